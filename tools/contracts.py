"""Write the processed tables' section of docs/CONTRACTS.md from ``mwsn.catalog``.

The section lies between the two marker comments below; everything else in the file is
left as written. ``python tools/contracts.py --check`` exits 1 when the section is out of
date (tests/test_catalog.py runs the same comparison).
"""

from __future__ import annotations

import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
CONTRACTS = PROJECT / "docs" / "CONTRACTS.md"
START = "<!-- tables: written by tools/contracts.py from src/mwsn/catalog.py; do not edit -->"
END = "<!-- end of tables -->"
TITLE = "## Every processed table"


def section() -> str:
    from mwsn import catalog

    return (f"{START}\n{TITLE}\n\nDeclared once in `src/mwsn/catalog.py`; writing a table "
            "with other columns fails with a message naming them.\n\n"
            f"{catalog.markdown()}{END}\n")


def updated(text: str) -> str:
    """``text`` (CONTRACTS.md) with the section replaced, or added at the end."""
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        return before + section() + ("\n" + after if after else "")
    return text.rstrip("\n") + "\n\n" + section()


def main() -> int:
    text = CONTRACTS.read_text(encoding="utf-8")
    new = updated(text)
    if "--check" in sys.argv[1:]:
        if new != text:
            print(f"{CONTRACTS} is out of date: run python tools/contracts.py", file=sys.stderr)
            return 1
        return 0
    CONTRACTS.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
