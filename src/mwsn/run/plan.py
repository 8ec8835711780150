"""Which notebooks a run executes, in which order, and what each reads and writes."""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from mwsn import provenance
from mwsn.config import NATIONAL

NOTEBOOK_NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")


#: notebooks numbered from here on compare jurisdictions; ``run --all`` runs them last
CROSS_JURISDICTION = 90


#: the ``jurisdiction`` parameter given to cross-jurisdiction notebooks
ALL = "all"


#: ``"mwsn": {"scope": "national"}`` in a notebook's metadata: it runs once per run, before
#: any jurisdiction (the national context), with ``jurisdiction = "_national"``
NATIONAL_SCOPE = "national"


#: the parameters every pipeline notebook declares, and nothing else
PARAMETERS = ("jurisdiction", "root", "lang", "wave")


#: the parameters of a run-level notebook (``90_*``, and the national context)
CROSS_PARAMETERS = ("jurisdiction", "root", "lang")


notebooks_dir = provenance.notebooks_dir


def _scope(notebook: Path) -> str:
    meta = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {}).get("mwsn", {})
    return meta.get("scope") or "jurisdiction"


def pipeline(folder: Path) -> list[Path]:
    """The numbered notebooks of one jurisdiction's run, in order (90+ are cross-jurisdiction,
    those of ``"scope": "national"`` run once per run: :func:`national`)."""
    found = [p for p in folder.glob("*.ipynb") if NOTEBOOK_NAME.match(p.name)]
    return sorted(p for p in found if int(p.name[:2]) < CROSS_JURISDICTION
                  and _scope(p) != NATIONAL_SCOPE)


def national(folder: Path) -> list[Path]:
    """The notebooks a run executes once, before any jurisdiction: those whose metadata says
    ``"mwsn": {"scope": "national"}`` (the national context), in order."""
    found = [p for p in folder.glob("*.ipynb") if NOTEBOOK_NAME.match(p.name)]
    return sorted(p for p in found if int(p.name[:2]) < CROSS_JURISDICTION
                  and _scope(p) == NATIONAL_SCOPE)


def cross_jurisdiction(folder: Path) -> list[Path]:
    """The notebooks that compare jurisdictions (numbered 90 and above), in order."""
    found = [p for p in folder.glob("*.ipynb") if NOTEBOOK_NAME.match(p.name)]
    return sorted(p for p in found if int(p.name[:2]) >= CROSS_JURISDICTION)


@dataclass(frozen=True)
class Contract:
    """What a notebook reads and writes (``None``: not declared).

    ``publishes``: patterns (``fnmatch``) of the files the notebook writes into its
    jurisdiction's output folder (``reports/<jur>/``, ``reports/<jur>/<wave>/``),
    such as its own pages; ``None``: any file. ``each_language``: the notebook
    runs once per language of the jurisdiction (else once, in the first). ``options``:
    the run options it takes as parameters, with their defaults (``metadata.mwsn.options``,
    ``{name: default}``; ``docs/CONTRACTS.md`` lists those ``mwsn run`` sets).
    """

    reads: tuple[str, ...] | None = None
    writes: tuple[str, ...] | None = None
    publishes: tuple[str, ...] | None = None
    each_language: bool = False
    options: tuple[tuple[str, object], ...] = ()

    def own_options(self, given: dict) -> dict:
        """The run options of ``given`` the notebook takes, where they differ from its
        defaults: its extra parameters, and part of its rerun key."""
        return {name: given[name] for name, default in self.options
                if name in given and given[name] != default}

    def may_publish(self, name: str) -> bool:
        """Whether ``name`` (relative to the output folder) is a file the notebook declares."""
        return self.publishes is None or any(fnmatch.fnmatchcase(name, pattern)
                                             for pattern in self.publishes)

    @property
    def reads_raw(self) -> bool:
        return self.reads is None or "raw" in self.reads

    @property
    def reads_external(self) -> bool:
        return self.reads is None or "external" in self.reads

    def reads_table(self, file_name: str) -> bool:
        return self.reads is None or file_name in {
            _table_file(n) for n in self.reads if n not in INPUTS}

    def reads_input(self, name: str) -> bool:
        """Whether the notebook reads one of :data:`INPUTS` (all of them when undeclared)."""
        return self.reads is None or name in self.reads


#: what a notebook may declare in ``reads`` besides processed tables: raw exports, the
#: published context data, the methods pages (``docs/methods*.md``), what the other
#: jurisdictions' params say of their Network, the pseudonym key, and the processed tables of
#: the jurisdiction's earlier waves (``data/processed/<jur>/<earlier wave>/``), the indicator
#: register (``params/indicators.yaml``: only a step declaring it reruns when a target changes),
#: and the national context's tables (``data/processed/_national/``, computed once per run)
INPUTS = ("raw", "external", "docs", "jurisdictions", "pseudonym_key", "waves", "register",
          "national")


def run_level(name: str) -> bool:
    """Whether ``name`` is a run-level job (the national context, the comparison), not a
    jurisdiction."""
    return name in (NATIONAL, ALL)


def _table_file(name: str) -> str:
    return name if "." in name else f"{name}.parquet"


def contract(notebook: Path) -> Contract:
    """The contract a notebook declares in its metadata (``metadata.mwsn``)."""
    meta = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {}).get("mwsn", {})
    reads, writes, publishes = meta.get("reads"), meta.get("writes"), meta.get("publishes")
    return Contract(None if reads is None else tuple(reads),
                    None if writes is None else tuple(writes),
                    None if publishes is None else tuple(publishes),
                    bool(meta.get("each_language", False)),
                    tuple(sorted(meta.get("options", {}).items())))


@dataclass
class Step:
    """One notebook execution of one jurisdiction, in one language."""

    jurisdiction: str
    source: Path
    lang: str
    name: str
    contract: Contract
    deps: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.jurisdiction} {self.name}"


def sources(folder: Path, jurisdiction: str) -> list[Path]:
    """The notebooks of one job: a jurisdiction's pipeline, or a run-level job's
    (:data:`~mwsn.config.NATIONAL`: :func:`national`; :data:`ALL`: :func:`cross_jurisdiction`)."""
    if jurisdiction == NATIONAL:
        return national(folder)
    if jurisdiction == ALL:
        return cross_jurisdiction(folder)
    return pipeline(folder)


def plan(folder: Path, jurisdiction: str, languages: list[str]) -> list[Step]:
    """Steps in file order; ``deps`` are the earlier steps each must wait for.

    ``jurisdiction`` is a jurisdiction's label (``bc``, ``bc/2024q2``), or a
    run-level job's name (:func:`sources`)."""
    steps: list[Step] = []
    for source in sources(folder, jurisdiction.split("/", 1)[0]):
        terms = contract(source)
        for lang in (languages if terms.each_language else languages[:1]):
            suffix = f".{lang}" if terms.each_language and lang != "en" else ""
            steps.append(Step(jurisdiction, source, lang, source.stem + suffix, terms))
    for j, later in enumerate(steps):
        for i, earlier in enumerate(steps[:j]):
            if earlier.source == later.source:
                continue
            if (earlier.contract.writes is None or later.contract.reads is None
                    or any(later.contract.reads_table(_table_file(w))
                           for w in earlier.contract.writes)):
                later.deps.append(i)
    return steps


def _heights(steps: list[Step]) -> list[int]:
    """Length of the longest chain of steps from each step to the end of its run."""
    heights = [1] * len(steps)
    for index in reversed(range(len(steps))):
        for dep in steps[index].deps:
            heights[dep] = max(heights[dep], heights[index] + 1)
    return heights


def _step_outputs(step: Step) -> list[str]:
    """The executed notebook and its export, relative to ``reports/<jur>/`` (what the
    notebook itself publishes there is found after it ran)."""
    return [f"notebooks/{step.name}.ipynb", f"notebooks/{step.name}.html"]
