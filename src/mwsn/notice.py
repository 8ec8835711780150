"""A line a notebook tells the person who runs it, such as why a PDF could not be printed.

In a notebook, :func:`tell` displays the line as plain text marked with
:data:`NOTICE` in the output's metadata; ``mwsn run`` finds the marked outputs
in the executed notebook and prints them on its own terminal (standard error),
once per run, whatever notebook said them. Outside a kernel (a script, a
test) the line goes to standard error directly.
"""

from __future__ import annotations

import sys

#: output metadata that marks a displayed line as a notice for the person running
NOTICE = "mwsn_notice"


def tell(text: str) -> None:
    """Say ``text`` (one line) to whoever runs the notebook."""
    try:
        from IPython import get_ipython
    except ImportError:          # pragma: no cover - IPython comes with the kernel
        get_ipython = lambda: None  # noqa: E731
    if get_ipython() is None:
        print(text, file=sys.stderr)
        return
    from IPython.display import display

    display({"text/plain": text}, raw=True, metadata={NOTICE: True})


def found_in(nb) -> list[str]:
    """The notices an executed notebook (an ``nbformat`` node) holds, in order.

    Reads plain dictionaries only, so the runner needs no IPython to call it."""
    found = []
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            if out.get("metadata", {}).get(NOTICE) and "text/plain" in out.get("data", {}):
                text = out["data"]["text/plain"]
                found.append("".join(text) if isinstance(text, list) else text)
    return found
