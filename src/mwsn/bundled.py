"""The project files the package carries: notebooks, default params, official context data.

An installed wheel holds copies of the repository's ``notebooks/``, ``params/``,
``data/external/`` and ``docs/methods*.md`` under ``mwsn/_bundled/`` (the build
step in ``setup.py`` copies them there). A checkout (an editable install) has no
such folder and reads the repository's own files. Either way, :func:`path`
answers where a bundled file is, so nothing else needs to know how the
package was installed.
"""

from __future__ import annotations

from pathlib import Path

#: folder of the bundled copies inside an installed package
BUNDLE = Path(__file__).resolve().parent / "_bundled"

#: the repository checkout this module sits in (``src/mwsn/`` → the repository root)
CHECKOUT = Path(__file__).resolve().parents[2]

#: what the build step copies, relative to the repository root (glob patterns)
CONTENTS = ("notebooks/*.ipynb", "params/*.yaml", "data/external/**/*", "docs/methods*.md")


def path(relative: str) -> Path:
    """Where the bundled ``relative`` (e.g. ``"notebooks"``, ``"params/bc.yaml"``) is.

    Parameters
    ----------
    relative : str
        A path relative to the repository root, ``/``-separated.

    Returns
    -------
    Path
        Under ``mwsn/_bundled/`` in an installed wheel, else under the checkout.
        It may not exist (the caller says what is missing).
    """
    base = BUNDLE if BUNDLE.is_dir() else CHECKOUT
    return base / relative


def files(root: Path = CHECKOUT) -> list[tuple[Path, str]]:
    """Every file the build step bundles: ``(source, path relative to root)``, sorted."""
    found = {}
    for pattern in CONTENTS:
        for source in root.glob(pattern):
            if source.is_file() and not any(p.startswith(".") for p in source.parts[-3:]):
                found[source.relative_to(root).as_posix()] = source
    return [(found[rel], rel) for rel in sorted(found)]
