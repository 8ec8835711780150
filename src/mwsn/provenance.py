"""Provenance: content hashes of what an assessment was built from.

Pure functions over files, cheap enough to call on every run (they import
neither pandas nor the notebook tools). The runner uses them to decide which
notebooks must run again and to write ``reports/<jur>/manifest.json``; the
report's annex can show the essentials with :func:`snapshot`.

Every path is given relative to the project root with ``/`` separators, so
that the same inputs give the same record on any machine and in any folder.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path

from mwsn import __version__, bundled
from mwsn.config import Paths

#: installed packages whose versions can change what the notebooks produce
PACKAGES = ("babel", "ipykernel", "jinja2", "jupyter_client", "matplotlib", "nbclient",
            "nbconvert", "nbformat", "numpy", "pandas", "papermill", "pyarrow", "pydantic",
            "pyyaml", "scipy", "statsmodels")

_PACKAGE_DIR = Path(__file__).resolve().parent
_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_json(value) -> str:
    """Hex SHA-256 of a JSON value written canonically (sorted keys, no spaces)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` as a ``/``-separated string."""
    return Path(path).relative_to(root).as_posix()


def files_under(folder: Path) -> list[Path]:
    """Every regular file below ``folder`` (following links), sorted; hidden names skipped."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.rglob("*"):
        parts = path.relative_to(folder).parts
        if any(part.startswith(".") or part == "__pycache__" for part in parts):
            continue
        if path.is_file():
            found.append(path)
    return sorted(found)


def hashes(files, root: Path) -> dict[str, str]:
    """``{relative path: sha256}`` for ``files``, in path order."""
    return {relative(p, root): sha256_file(p) for p in sorted(files)}


def parameter_files(where: Paths) -> list[Path]:
    """The params files a jurisdiction's run reads: its own and the shared ones.

    Another jurisdiction's params file is not among them: the context notebook
    reads only what it says of its Network (:func:`network_facts`).
    """
    from mwsn.config import SHARED_PARAMS

    names = [where.params_file.name, *(f"{name}.yaml" for name in SHARED_PARAMS)]
    return sorted(p for p in (where.params_dir / name for name in names) if p.is_file())


def parameters(where: Paths) -> dict:
    """What the params files a run reads (:func:`parameter_files`) are: ``files``, ``{path:
    SHA-256 of its bytes}`` (what an auditor checks the exact files against), ``sha256``, one
    hash of them all, and ``content``, ``{path: SHA-256 of its parsed content}``
    (:func:`params_content_sha256`: what the rerun key holds)."""
    return _parameters(parameter_files(where), where.root)


def _parameters(found: list[Path], root: Path) -> dict:
    files = hashes(found, root)
    parsed = {relative(p, root): _params_canonical(p) for p in sorted(found)}
    return {"files": files, "sha256": sha256_json(files),
            "content": {rel: _content_sha256(root / rel, canonical)
                        for rel, canonical in parsed.items()},
            "keys": {rel: _keys_sha256(canonical) for rel, canonical in parsed.items()}}


def _params_canonical(path: Path):
    """A params file parsed (as :func:`mwsn.config.read_yaml` does) and written canonically
    (:func:`_canonical`); None for a file that does not parse."""
    from mwsn.config import read_yaml
    from mwsn.errors import InputError

    try:
        return _canonical(read_yaml(Path(path)))
    except InputError:
        return None


def _content_sha256(path: Path, canonical) -> str:
    return "bytes:" + sha256_file(path) if canonical is None else sha256_json(canonical)


def _keys_sha256(canonical) -> dict[str, str]:
    def pairs(node):        # a canonical mapping's (key as text, canonical value) pairs
        if not node or node[0] != "map":
            return []
        return [(str(k[1]) if len(k) > 1 else "None", v) for k, v in node[1]]

    found = {}
    for key, value in pairs(canonical):
        found[key] = sha256_json(value)
        for inner, part in pairs(value):
            found[f"{key}.{inner}"] = sha256_json(part)
    return found


def params_keys_sha256(path: Path) -> dict[str, str]:
    """``{key: SHA-256 of its parsed value}`` of a params file, for each top-level key and
    each key of a top-level mapping (``min_cell``, ``sources.survey``): what a rerun names
    as changed. Empty for a file that does not parse."""
    return _keys_sha256(_params_canonical(path))


def changed_keys(before: dict[str, str], now: dict[str, str]) -> list[str]:
    """The keys of :func:`params_keys_sha256` whose value changed, was added or removed:
    the inner key where one is named (``sources.survey``, not also ``sources``), in the
    file's order, removed keys last."""
    changed = [k for k in [*now, *(k for k in before if k not in now)]
               if before.get(k) != now.get(k)]
    return [k for k in changed if not any(c.startswith(k + ".") for c in changed)]


def every_parameters(root: Path) -> dict:
    """:func:`parameters` of every params file (``params/*.yaml``): the comparison reads them
    all."""
    return _parameters(sorted((Path(root) / "params").glob("*.yaml")), Path(root))


def params_content_sha256(path: Path) -> str:
    """SHA-256 of a params file's content as the run reads it: the YAML parsed (as
    :func:`mwsn.config.read_yaml` does), then written canonically.

    A comment, blank lines, indentation, quoting, flow or block style, anchors and
    aliases, or another spelling of the same number (``0.10``, ``1e-1``) change nothing;
    any value, type (``1``, ``"1"``, ``1.0``, a date, a string that looks like one), key
    or the order of keys does (a mapping's order is kept: the report lists sources,
    questions and indicators in file order). A file that does not parse (the run then
    stops on it) is hashed by its bytes, so any edit to it counts.
    """
    return _content_sha256(path, _params_canonical(path))


def _canonical(value):
    """A YAML value as JSON, each node tagged with its type so that none can pass for
    another (``1`` and ``"1"``, a date and its ISO string); mappings as pairs in file order
    (their keys may be of any type)."""
    import base64
    import datetime as dt

    if value is None:
        return ["null"]
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, int):
        return ["int", str(value)]
    if isinstance(value, float):
        return ["float", repr(value)]
    if isinstance(value, str):
        return ["str", value]
    if isinstance(value, dt.datetime):
        return ["timestamp", value.isoformat()]
    if isinstance(value, dt.date):
        return ["date", value.isoformat()]
    if isinstance(value, bytes):
        return ["binary", base64.b64encode(value).decode("ascii")]
    if isinstance(value, dict):
        return ["map", [[_canonical(k), _canonical(v)] for k, v in value.items()]]
    if isinstance(value, (list, tuple)):
        return ["seq", [_canonical(v) for v in value]]
    if isinstance(value, (set, frozenset)):
        return ["set", sorted((_canonical(v) for v in value), key=json.dumps)]
    return ["other", type(value).__name__, repr(value)]


def network_facts(root: Path) -> dict[str, str]:
    """What the context notebook reads of the jurisdictions' params
    (:func:`mwsn.context.network_provinces`): the provinces where a Network is in place.

    ``{province: "network"}`` (the province as the TFWP statistics name it), each once
    whichever jurisdictions name it; a params file that does not load, which the notebook
    warns of, as ``{"params/<code>.yaml": its bytes' hash}``, so any change to it counts.
    A jurisdiction added without a Network, or a second one in a province that has one,
    changes nothing the notebook reads.
    """
    from mwsn import config

    facts = {}
    for code in config.list_jurisdictions(root):
        try:
            params = config.load(code, root)
        except Exception:  # noqa: BLE001 - the notebook reports it; the key only needs a change
            name = f"params/{code}.yaml"
            facts[name] = sha256_file(Path(root) / name)
            continue
        if params.network_in_place:
            facts[params.tfwp_province] = "network"
    return dict(sorted(facts.items()))


def docs_folder(root: Path) -> Path | None:
    """The folder whose ``methods[.<lang>].md`` the report's annex shows (the project's, else
    the one the package carries), as :func:`mwsn.report.annex.methods_file` looks for it."""
    for folder in (Path(root) / "docs", bundled.path("docs")):
        if any(folder.glob("methods*.md")):
            return folder
    return None


def docs_inputs(root: Path) -> dict[str, str]:
    """``{"docs/<name>": sha256}`` of the methods pages the report may show."""
    folder = docs_folder(root)
    if folder is None:
        return {}
    return {f"docs/{p.name}": sha256_file(p) for p in sorted(folder.glob("methods*.md"))}


def methods_pages(lang: str) -> tuple[str, str]:
    """The names of the methods page a report in ``lang`` shows, in order of preference: its
    own language's, then the English one (:func:`mwsn.report.annex.methods_file`)."""
    return f"methods.{lang}.md", "methods.md"


def docs_in(docs: dict[str, str], lang: str) -> dict[str, str]:
    """Of :func:`docs_inputs`, the page a report in ``lang`` shows (:func:`methods_pages`),
    so an edit to one language's page reruns that language's report alone. Every page
    when neither is there."""
    for name in (f"docs/{page}" for page in methods_pages(lang)):
        if name in docs:
            return {name: docs[name]}
    return dict(docs)


#: what the pseudonym key's fingerprint is computed over (the key is the HMAC key)
_FINGERPRINT_MESSAGE = b"mwsn pseudonym key fingerprint v1"


def pseudonym_key_fingerprint(where: Paths) -> str | None:
    """A keyed fingerprint (HMAC-SHA-256, RFC 2104) of the pseudonym key, ``None`` without one.

    It changes when the key changes, so pseudonyms are recomputed after a key
    rotation; the key itself is never written anywhere.
    """
    import hmac

    from mwsn import config
    from mwsn.errors import MwsnError

    try:
        key = config.pseudonym_key(where)
    except MwsnError:
        return None
    return hmac.new(key, _FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()


def lock_file() -> Path | None:
    """The project's ``requirements.lock`` (beside ``src/``), if this is a checkout."""
    path = _PACKAGE_DIR.parents[1] / "requirements.lock"
    return path if path.is_file() else None


def lock_sha256() -> str | None:
    """SHA-256 of the lock file the environment was installed from (``None`` outside a
    checkout)."""
    path = lock_file()
    return sha256_file(path) if path is not None else None


#: how a raw export's fingerprint starts: keyed, not a plain SHA-256 (:func:`raw_inputs`)
KEYED = "hmac-sha256:"


def keyed_file(path: Path, key: bytes) -> str:
    """``hmac-sha256:`` and the hex HMAC-SHA-256 (RFC 2104) of a file's bytes under ``key``."""
    import hmac

    digest = hmac.new(key, b"mwsn raw export v1|", hashlib.sha256)
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return KEYED + digest.hexdigest()


def raw_inputs(where: Paths) -> dict[str, str]:
    """``{path: fingerprint}`` of the jurisdiction's raw exports (``data/raw/<jur>/``), keyed.

    A plain SHA-256 of a small export confirms a guess of its content: a reader who knows
    the recommendations made at Network Meetings (ids, dates, topics: minutes are public)
    writes the file for each of the 3^7 = 2,187 ways their statuses can fall and keeps the
    one whose SHA-256 the manifest publishes, though every status count is hidden. So the
    fingerprint is an HMAC-SHA-256 of the bytes under the pseudonym key, as processed
    tables are salted (:func:`mwsn.ingest.processed_salt`): the same at every rerun with
    the same key (the reuse of unchanged steps, ``mwsn verify``), not rebuildable without
    it. Synthetic demonstration data uses the documented demonstration key.
    """
    from mwsn import config

    key = config.pseudonym_key_from_environment() or config.DEMO_PSEUDONYM_KEY.encode("utf-8")
    return {relative(p, where.root): keyed_file(p, key) for p in files_under(where.raw)}


def external_inputs(where: Paths) -> dict[str, str]:
    """``{path: sha256}`` of the public context data (``data/external/``)."""
    return hashes(files_under(where.external), where.root)


def inputs(where: Paths) -> dict[str, str]:
    """Every input file of a jurisdiction's run: raw exports and external data."""
    return {**raw_inputs(where), **external_inputs(where)}


def notebooks_dir(root: Path) -> Path:
    """The project's notebooks: ``<root>/notebooks``, else those the package carries."""
    local = Path(root) / "notebooks"
    if local.is_dir():
        return local
    return bundled.path("notebooks")


def notebook_sources(root: Path) -> dict[str, str]:
    """``{notebook file name: sha256 of its committed source}``."""
    return {p.name: sha256_file(p) for p in sorted(notebooks_dir(root).glob("*.ipynb"))}


def mwsn_version() -> dict:
    """The library's version and a hash of its source (code, catalogue, templates).

    The hash changes with any edit to the library, even without a new version
    number, so results are never reused across library changes.
    """
    files = {relative(p, _PACKAGE_DIR): sha256_file(p) for p in files_under(_PACKAGE_DIR)
             if p.suffix != ".pyc"}
    return {"version": __version__, "source_sha256": sha256_json(files)}


def environment() -> dict:
    """Python version and the versions of the packages that shape the outputs (read once per
    process: they do not change while it runs; each caller gets its own copy)."""
    return copy.deepcopy(_installed())


@functools.cache
def _installed() -> dict:
    packages = {}
    for name in PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    return {"python": platform.python_version(), "packages": packages}


def snapshot(where: Paths) -> dict:
    """What a jurisdiction's assessment is built from, as a JSON-ready dict.

    Keys: ``jurisdiction``; ``parameters`` (``files``: path → SHA-256 of each
    params file, ``sha256``: one hash of them all); ``inputs`` (path → SHA-256 of
    every raw export and external data file); ``notebooks`` (file name →
    SHA-256 of its source); ``mwsn`` (``version``, ``source_sha256``);
    ``python`` (version) and ``packages`` (name → version). Paths are relative
    to the project root. For the annex of the report, e.g.::

        snap = provenance.snapshot(config.paths(jurisdiction, root))
        snap["parameters"]["sha256"], len(snap["inputs"]), snap["packages"]["pandas"]

    The outputs' hashes and execution times are in ``reports/<jur>/manifest.json``,
    written by the runner once every notebook has run.
    """
    env = environment()
    return {
        "jurisdiction": where.jurisdiction,
        "parameters": parameters(where),
        "inputs": inputs(where),
        "notebooks": notebook_sources(where.root),
        "mwsn": mwsn_version(),
        "python": env["python"],
        "packages": env["packages"],
    }
