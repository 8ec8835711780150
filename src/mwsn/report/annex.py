"""Annex: the logic model diagram, the evaluation matrix, the methods appendix, provenance.

Each part renders what the project holds and says plainly when something is
not there yet (no logic model or matrix in ``params/``, no ``docs/methods.md``),
so the annex never silently drops a part.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from mwsn import bundled, config, findings, i18n, plots, provenance
from mwsn.report.html import Html, esc, figure, markdown

#: outcome stages of params/logic_model.yaml, in drawing order
OUTCOME_STAGES = ("immediate", "intermediate", "ultimate")


def _text(value, lang: str) -> str:
    """A bilingual params value (``{en: ..., fr: ...}``) or a plain string, in ``lang``."""
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("en") or "")
    return "" if value is None else str(value)


def _params_yaml(rep, name: str):
    path = rep.where.params_dir / f"{name}.yaml"
    return config.read_yaml(path) if path.is_file() else None


def logic_model_frames(model: dict, lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``params/logic_model.yaml`` as the ``elements`` and ``links`` frames of plots.logic_model."""
    stages = [(s, model.get(s) or []) for s in ("inputs", "activities", "outputs")]
    outcomes = model.get("outcomes") or {}
    stages += [(s, outcomes.get(s) or []) for s in OUTCOME_STAGES]
    elements, links = [], []
    for stage, entries in stages:
        for entry in entries:
            elements.append({"stage": stage, "id": str(entry["id"]),
                             "text": _text(entry.get("label", entry.get("text")), lang)})
            links += [{"source": str(entry["id"]), "target": str(t)}
                      for t in entry.get("leads_to") or []]
    return (pd.DataFrame(elements, columns=["stage", "id", "text"]),
            pd.DataFrame(links, columns=["source", "target"]))


def _logic_model(rep) -> str:
    heading = f'<h3 id="annex-logic-model">{esc(rep.t("annex.logic_model_heading"))}</h3>'
    model = _params_yaml(rep, "logic_model")
    if not model:
        return f'{heading}<p>{esc(rep.t("annex.logic_model_missing"))}</p>'
    elements, links = logic_model_frames(model, rep.lang)
    return f"{heading}<p>{esc(rep.t('annex.logic_model_body'))}</p>" + figure(
        plots.logic_model(elements, rep.lang, links))


def rule_text(indicator, matrix, lang: str, min_cell: int | None = None) -> str:
    """An indicator's scoring rule in words (:func:`mwsn.findings.format_rule`, the one
    formatter the findings and ``findings.csv`` use too)."""
    return findings.format_rule(indicator.rule, indicator.measure, lang, matrix.words, min_cell)


def _line_label(rep, code: str) -> str:
    known = i18n.catalogue(rep.lang)
    if f"line.{code}" in known:  # the findings' own words for its lines of evidence
        return known[f"line.{code}"]
    if code in rep.codebook.category_codes("line_of_evidence"):
        return rep.category("line_of_evidence", code)
    return code


def _evaluation_matrix(rep) -> str:
    heading = f'<h3 id="annex-matrix">{esc(rep.t("annex.matrix_heading"))}</h3>'
    if not (rep.where.params_dir / "evaluation_matrix.yaml").is_file():
        return f'{heading}<p>{esc(rep.t("annex.matrix_missing"))}</p>'
    matrix = rep.matrix
    questions = matrix.for_jurisdiction(rep.params)
    if not questions:
        return f'{heading}<p>{esc(rep.t("annex.matrix_missing"))}</p>'
    rows = []
    for question in questions:
        for k, indicator in enumerate(question.indicators):
            cells = ([f'<th scope="row" rowspan="{len(question.indicators)}">'
                      f"{esc(question.question(rep.lang))}</th>"] if k == 0 else [])
            source = matrix.threshold_sources.get(indicator.rule.source or "")
            rule = (rep.t("annex.context_rule") if indicator.context
                    else rule_text(indicator, matrix, rep.lang, rep.params.min_cell))
            cells += [f"<td>{esc(indicator.label(rep.lang))}</td>",
                      f"<td>{esc(_line_label(rep, indicator.line_of_evidence))}</td>",
                      f"<td>{esc(rule)}</td>",
                      "<td>" + (esc(rep.t("annex.source_value", source=source(rep.lang),
                                          date=source.date.isoformat())) if source else "")
                      + "</td>"]
            rows.append(f"<tr>{''.join(cells)}</tr>")
    head = "".join(f'<th scope="col">{esc(rep.t(k))}</th>' for k in (
        "annex.col.question", "annex.col.indicator", "annex.col.line_of_evidence",
        "annex.col.rule", "annex.col.source"))
    return (f'{heading}<p>{esc(rep.t("annex.matrix_body"))}</p><table class="matrix"><caption>'
            f'{esc(rep.t("annex.matrix_caption"))}</caption><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>' + _overrides(rep, matrix))


def _overrides(rep, matrix) -> str:
    """Every evaluator override of this jurisdiction's ratings, with its reason and role."""
    found = [o for o in matrix.overrides if o.jurisdiction == rep.params.code]
    heading = f'<h4 id="annex-overrides">{esc(rep.t("annex.overrides_heading"))}</h4>'
    if not found:
        return f'{heading}<p>{esc(rep.t("annex.overrides_none"))}</p>'
    computed = {}
    try:
        ratings = rep.processed("findings")
        computed = dict(zip(ratings["question_id"], ratings["computed_rating"]))
    except (FileNotFoundError, KeyError):
        pass
    rows = "".join(
        f'<tr><th scope="row">{esc(matrix.question(o.question).question(rep.lang))}</th>'
        f"<td>{esc(findings.rating_label(computed[o.question], rep.lang)) if o.question in computed else ''}</td>"
        f"<td>{esc(findings.rating_label(o.rating, rep.lang))}</td>"
        f"<td>{esc(o.role_in(rep.lang))}</td><td>{esc(o.reason(rep.lang))}</td>"
        f"<td>{esc(o.date.isoformat() if o.date else '')}</td></tr>" for o in found)
    head = "".join(f'<th scope="col">{esc(rep.t(k))}</th>' for k in (
        "annex.col.question", "col.computed_rating", "col.final_rating", "annex.col.role",
        "annex.col.reason", "annex.col.date"))
    return (f'{heading}<table class="overrides"><caption>{esc(rep.t("annex.overrides_caption"))}'
            f"</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")


def methods_file(rep) -> Path | None:
    """``docs/methods.<lang>.md`` or ``docs/methods.md`` in the project, else beside the package."""
    folders = [rep.where.root / "docs", bundled.path("docs")]
    for folder in folders:
        for name in provenance.methods_pages(rep.lang):
            if (folder / name).is_file():
                return folder / name
    return None


def _methods(rep) -> str:
    heading = f'<h3 id="annex-methods">{esc(rep.t("annex.methods_heading"))}</h3>'
    path = methods_file(rep)
    if path is None:
        return f'{heading}<p>{esc(rep.t("annex.methods_missing"))}</p>'
    # the annex's own heading stands for the document's title
    text = re.sub(r"\A\s*# [^\n]*\n", "", path.read_text(encoding="utf-8"))
    body = markdown(text, top_level=4)
    if rep.lang != "en" and not path.name.endswith(f".{rep.lang}.md"):
        note = f'<p class="note">{esc(rep.t("annex.methods_english_only"))}</p>'
        return f'{heading}{note}<div class="methods" lang="en">{body}</div>'
    return f'{heading}<div class="methods">{body}</div>'


def run_date() -> str | None:
    """The date of the run, as a day (so reruns on the same day give the same file).

    ``SOURCE_DATE_EPOCH`` (reproducible builds) when set; ``0`` there means the run
    pins dates for byte-identical output, so no date is given (``None``): the
    run's manifest records when it ran. Unset: today (UTC).
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and epoch.strip() in ("", "0"):
        return None
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.date().isoformat()


def provenance_facts(rep) -> dict:
    """What the annex shows of the run, from :func:`mwsn.provenance.snapshot`."""
    snap = provenance.snapshot(rep.where)
    mwsn = snap.get("mwsn") or {}
    found = {"python": snap.get("python"), "mwsn": mwsn.get("version"),
             **(snap.get("packages") or {})}
    return {"parameters": snap["parameters"].get("files", {}),
            "inputs": snap.get("inputs") or {},
            "versions": {k: v for k, v in found.items() if v}}


def _facts_table(rows: dict, caption: str, key_col: str, value_col: str, code: bool) -> str:
    body = "".join(
        f'<tr><th scope="row">{esc(k)}</th><td>'
        + (f"<code>{esc(v)}</code>" if code else esc(v)) + "</td></tr>"
        for k, v in rows.items())
    return (f'<table class="facts"><caption>{esc(caption)}</caption><thead><tr>'
            f'<th scope="col">{esc(key_col)}</th><th scope="col">{esc(value_col)}</th></tr>'
            f"</thead><tbody>{body}</tbody></table>")


def _provenance(rep) -> str:
    heading = f'<h3 id="annex-provenance">{esc(rep.t("annex.provenance_heading"))}</h3>'
    facts = provenance_facts(rep)
    p = rep.params
    run = {rep.t("annex.run_date"): run_date()
           or rep.t("annex.run_date_in_manifest"),
           rep.t("annex.jurisdiction"): f"{p.name(rep.lang)} ({p.code})",
           rep.t("annex.min_cell"): i18n.number(p.min_cell, rep.lang),
           rep.t("annex.languages"): ", ".join(p.languages)}
    parts = [heading, f"<p>{esc(rep.t('annex.provenance_body'))}</p>",
             _facts_table(run, rep.t("annex.run_caption"), rep.t("annex.col.fact"),
                          rep.t("annex.col.value"), code=False)]
    for key, caption in (("parameters", "annex.parameters_caption"),
                         ("inputs", "annex.inputs_caption")):
        values = facts.get(key)
        if isinstance(values, dict) and values:
            parts.append(_facts_table({k: v for k, v in values.items() if isinstance(v, str)},
                                      rep.t(caption),
                                      rep.t("annex.col.file"), rep.t("annex.col.sha256"),
                                      code=True))
    if facts.get("versions"):
        parts.append(_facts_table(facts["versions"], rep.t("annex.versions_caption"),
                                  rep.t("annex.col.package"), rep.t("annex.col.version"),
                                  code=True))
    parts.append(f'<p class="note">{esc(rep.t("annex.provenance_manifest"))}</p>')
    return "".join(parts)


def render(rep) -> Html:
    return Html(f'<section id="annex"><h2>{esc(rep.t("annex.heading"))}</h2>'
                f"{_logic_model(rep)}{_evaluation_matrix(rep)}{_methods(rep)}"
                f"{_provenance(rep)}</section>")
