"""A new assessment project: ``mwsn init DIR [--jurisdiction ab --name Alberta]``.

Creates the folders an assessment needs, with the files every jurisdiction
shares (codebook, logic model, evaluation matrix, context settings), the
official TFWP statistics the context section reads, and a jurisdiction's params
file whose every key is explained and which holds no other jurisdiction's
text: its considerations start empty. Existing files are never overwritten, so
``mwsn init`` run again in a project adds a jurisdiction and leaves the rest as
it is.
"""

from __future__ import annotations

import shutil
import typing
from dataclasses import dataclass, field
from pathlib import Path

from mwsn import bundled, config, i18n

#: params files every jurisdiction shares (copied from those the package carries)
SHARED = ("codebook.yaml", "logic_model.yaml", "evaluation_matrix.yaml", "context.yaml",
          "indicators.yaml")

#: the params template written when no jurisdiction is named (not a jurisdiction: it has a dot)
TEMPLATE_NAME = "jurisdiction.template.yaml"
#: the export formats a source may declare, as the template lists them
FORMATS = ", ".join(typing.get_args(config.Format))

TEMPLATE = """\
# {title}
#
# One jurisdiction's parameters. Every key is explained; check each before `mwsn validate {code}`.
# Shared decisions live beside this file: codebook.yaml (every raw variable), logic_model.yaml,
# evaluation_matrix.yaml (questions, indicators, rubric) and context.yaml (official statistics).

# A plain short code (2-16 lowercase letters, digits or _): it names this file, data/raw/<code>/
# and reports/<code>/.
code: {code_yaml}

# The jurisdiction's name in English and French, as the report shows it.
name: {{en: {name_en}, fr: {name_fr}}}

# The province/territory as the published TFWP statistics (ESDC, IRCC) name it, when it differs
# from name.en; the context section finds the jurisdiction's figures with it.
# province: {name_en}

# The months the assessment covers (YYYY-MM): first and last.
period: {{start: {start}, end: {end}}}

# The program's budget over the period (the Funding Program's contribution agreements).
budget: {{amount: {amount}, currency: CAD}}

# The report's languages: en, fr or both.
languages: [en, fr]

# Optional: the languages of the plain-language summary for stakeholders
# (reports/<code>/summary.<lang>.html): en, fr, es, tl; default: the report's languages.
# summary_languages: [en, fr]

# Small-cell threshold: no table, chart or sentence shows a count below it, or a share
# computed from one.
min_cell: 5

# true only for the demonstration jurisdictions shipped with mwsn (`mwsn run --all --no-demo`
# leaves those out); a real assessment keeps false.
demo: false

# Whether the Network is in place here. false: there is no program data (no funding or meetings
# sources) and the context section ranks the jurisdiction in the needs assessment.
network_in_place: true

# The raw exports in data/raw/{code}/ (never committed: they hold personal information).
# Each source: the file, its format ({formats})
# and, where the
# export names its columns differently from codebook.yaml, a `columns:` mapping from the
# export's names to the codebook's; `values:` recodes answers per column, `absent:` names the
# codebook's variables this export never has, `sheet:`, `dayfirst:` or `date_format:` say how
# to read a workbook or dates (docs/DATA.md in mwsn's documentation). `mwsn codebook import`
# drafts `columns` and
# `absent` from the instrument (XLSForm, REDCap dictionary, SPSS/Stata file). Without a
# Network, keep only survey and excerpts. Optional: `services`, the service records funded
# organizations report (one row per service: organization, date, type, worker, sector,
# language, outcome; a CSV, any delimiter), e.g. `services: {{file: service_records.csv}}`.
sources:
  survey: {{file: survey_export.csv, format: qualtrics}}
  excerpts: {{file: coded_excerpts.csv, format: csv}}
  funding: {{file: funding_ledger.csv, format: csv}}
  meetings: {{file: meeting_records.csv, format: csv}}
  recommendations: {{file: recommendations.csv, format: csv}}

# How many stakeholders each line of evidence aimed to reach, by stakeholder group
# (codes of the codebook's stakeholder_group list); the profile compares who took part with it.
sample_targets: {{}}
#  migrant_worker: 30
#  support_organization: 20
#  employer: 10
#  government: 10
#  other: 5

# The assessment's considerations (recommendations), written once the findings are in.
# Each has an id, its text in English and French, and the evidence it rests on:
# `findings`: ids of evaluation questions in evaluation_matrix.yaml, and
# `swot`: codes of the SWOT entries the qualitative analysis found (04_qualitative lists them).
# The report shows each consideration with links to those findings and SWOT entries.
considerations: []
#  - id: share_back
#    text:
#      en: ...
#      fr: ...
#    findings: [collaboration]
#    swot: [information_not_shared_back]

# Management's response to each consideration, once given (shown after the considerations):
# whether it agrees (agree | partly | disagree, with a reason unless agree), the action, the
# role responsible (never a person's name), the month it is due (YYYY-MM) and where it stands
# (done | in_progress | not_started). docs/MONITORING.md in mwsn's documentation has the format
# with an example.
management_response: []

# This jurisdiction's own targets (optional), for indicators of the indicator register
# (params/indicators.yaml, which sets every indicator's target): for each indicator id, the
# value to reach (a share from 0 to 1: 0.75 for 75%; a count; an amount in CAD) and the month,
# YYYY-MM, by which to reach it. The report's performance measurement judges the indicator
# against this target instead of the register's.
# targets:
#   workers_know_rights: {{value: 0.8, by: 2026-03}}

# Data rounds (optional). Without `waves:` there is one round, in data/raw/{code}/. A
# jurisdiction that collects data again lists its rounds, oldest first: each round's exports go
# in data/raw/{code}/<id>/ and its report in reports/{code}/<id>/. A round's `sources:` replace
# the sources above for that round; `crosswalk:` maps, per source, an export column renamed in
# that round onto the codebook's name. docs/MONITORING.md in mwsn's documentation explains both.
# waves:
#   - id: 2024q2
#     period: {{start: 2023-04, end: 2024-06}}
#   - id: 2025q2
#     period: {{start: 2024-07, end: 2025-06}}
#     crosswalk:
#       survey: {{q7_rights: know_rights}}
"""

PROJECT_README = """\
# {title}

An assessment project for `mwsn` (Migrant Worker Support Network assessment).

```sh
mwsn validate {code}     # check params/ and data/raw/{code}/: every problem as file:row:column
mwsn run {code}          # build reports/{code}/assessment.html (and .fr.html)
```

- `params/{params_file}`: this jurisdiction's parameters; every key is explained in it.
- `params/codebook.yaml`: every raw variable. Draft a source's section from the instrument
  with `mwsn codebook import FORM.xlsx --source survey` (XLSForm, REDCap dictionary, SPSS or
  Stata file); make the next round's form with `mwsn instrument {code} --to xlsform form.xlsx`.
- `data/raw/{code}/`: put the raw exports here (never commit them).
- `data/external/`: the official TFWP statistics the context section reads (see its SOURCES.md).
- `reports/`: what `mwsn run` writes.

Set the pseudonym key first, outside this folder: `export MWSN_PSEUDONYM_KEY=...` (keep it).
"""

GITIGNORE = "data/raw/\ndata/processed/\nreports/\ndrafts/\n"


@dataclass
class Created:
    """What ``init`` wrote, and what it found already there and left alone."""

    root: Path
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


def _french_name(name: str) -> str:
    """The French name of a province or territory from the catalogue, else ``name``."""
    return i18n.catalogue("fr").get(f"province.{name}", name)


def _yaml_text(text: str) -> str:
    import yaml

    return yaml.safe_dump(text, default_style=None, allow_unicode=True).strip().removesuffix(
        "\n...").strip()


def jurisdiction_params(code: str, name: str, name_fr: str | None = None) -> str:
    """The text of ``params/<code>.yaml`` for a new jurisdiction (valid, with placeholders:
    the period is the current fiscal year and the budget 1 CAD until set)."""
    config.check_code(code)
    return TEMPLATE.format(
        title=f"{name}: parameters of the assessment (fill in every key marked below).",
        code=code, code_yaml=_yaml_text(code), name_en=_yaml_text(name),
        name_fr=_yaml_text(name_fr or _french_name(name)), start="2025-04", end="2026-03",
        amount=1, formats=FORMATS)


def template_params() -> str:
    """The params template written when no jurisdiction is named."""
    return TEMPLATE.format(title="Template: copy to params/<code>.yaml, or run "
                           "`mwsn init . --jurisdiction <code> --name <Name>`.",
                           code="<code>", code_yaml="xx", name_en="Name", name_fr="Nom",
                           start="2025-04", end="2026-03", amount=1, formats=FORMATS)


def _write(path: Path, text: str, created: Created) -> None:
    if path.exists():
        created.kept.append(path)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    created.written.append(path)


def _copy(source: Path, target: Path, created: Created) -> None:
    if target.exists():
        created.kept.append(target)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    created.written.append(target)


def init(folder: str | Path, jurisdiction: str | None = None, name: str | None = None,
         name_fr: str | None = None) -> Created:
    """Create (or complete) an assessment project in ``folder``.

    Parameters
    ----------
    folder : str or Path
        The project folder; created if absent.
    jurisdiction : str, optional
        A jurisdiction code: writes ``params/<code>.yaml`` and ``data/raw/<code>/``.
        Without it, ``params/jurisdiction.template.yaml`` is written instead.
    name, name_fr : str, optional
        The jurisdiction's name (default: the code in capitals); the French name
        defaults to the catalogue's name of that province or territory, else ``name``.

    Returns
    -------
    Created
        The files written and those already there (never overwritten).
    """
    root = Path(folder)
    created = Created(root)
    for shared in SHARED:
        _copy(bundled.path(f"params/{shared}"), root / "params" / shared, created)
    external = bundled.path("data/external")
    for source in sorted(p for p in external.rglob("*") if p.is_file()):
        _copy(source, root / "data" / "external" / source.relative_to(external), created)
    for folder_name in ("data/raw", "data/processed", "reports"):
        (root / folder_name).mkdir(parents=True, exist_ok=True)
    if jurisdiction:
        config.check_code(jurisdiction)
        name = name or jurisdiction.upper()
        _write(root / "params" / f"{jurisdiction}.yaml",
               jurisdiction_params(jurisdiction, name, name_fr), created)
        (root / "data" / "raw" / jurisdiction).mkdir(parents=True, exist_ok=True)
        title, code, params_file = name, jurisdiction, f"{jurisdiction}.yaml"
    else:
        _write(root / "params" / TEMPLATE_NAME, template_params(), created)
        title, code, params_file = "Assessment project", "<code>", TEMPLATE_NAME
    _write(root / "README.md", PROJECT_README.format(title=title, code=code,
                                                     params_file=params_file), created)
    _write(root / ".gitignore", GITIGNORE, created)
    return created


def demonstration_params(where: config.Paths) -> Path | None:
    """Add a demonstration jurisdiction's params file (one `mwsn synth` makes data for) when
    the project lacks it, so that ``mwsn synth <code>`` then ``mwsn run <code>`` work in a
    project made by ``init``. Returns the file written, or None."""
    from mwsn import synth

    if where.jurisdiction not in synth.PROFILES or where.params_file.exists():
        return None
    source = bundled.path(f"params/{where.jurisdiction}.yaml")
    if not source.is_file():
        return None
    where.params_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, where.params_file)
    return where.params_file
