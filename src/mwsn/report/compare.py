"""The cross-jurisdiction comparison: ``reports/compare.html`` and ``compare.fr.html``.

Ratings and key indicators side by side, one column per jurisdiction that has
been run (its processed data exist). Ratings come from each jurisdiction's
``data/processed/<jur>/findings.csv`` (written by ``06_findings``), worded by
the catalogue (``rating.<code>``) and the evaluation matrix (the question in
the page's language). ``notebooks/90_compare.ipynb`` displays
:meth:`Comparison.section` for each of :data:`SECTIONS` (for auditors, with
its code) and ends with :func:`write_pages`, which writes the page in every
language: the sections are HTML already, so no export step is needed, and the
notebook's only outputs are those two files under ``reports/``. A survey
percentage computed from fewer than that jurisdiction's ``min_cell`` answers
is suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from mwsn import config, findings, i18n, ingest, plots, privacy
from mwsn.codebook import Codebook, load_codebook
from mwsn.errors import MwsnError
from mwsn.report.html import Html, esc, figure, page

SECTIONS = ("title", "ratings", "indicators", "trends")


def latest_round(code: str, root: str | Path = ".") -> config.Paths:
    """Where a jurisdiction's comparison figures come from: its latest wave that has
    processed tables (its only round when it declares no waves)."""
    try:
        params = config.load(code, root)
    except MwsnError:  # a params file that does not load: its plain folder, as before waves
        return config.paths(code, root)
    rounds = config.wave_paths(params, root)
    for where in reversed(rounds):
        if (where.processed / "participants.parquet").is_file():
            return where
    return rounds[-1]


def jurisdictions(root: str | Path = ".") -> list[str]:
    """Jurisdictions with a params file whose pipeline has written processed data."""
    root = Path(root)
    return [code for code in config.list_jurisdictions(root)
            if (latest_round(code, root).processed / "participants.parquet").is_file()]


def any_synthetic(root: str | Path = ".") -> bool:
    return any(latest_round(code, root).is_synthetic for code in jurisdictions(root))


@dataclass
class Comparison:
    root: Path
    lang: str
    codes: list[str]
    codebook: Codebook
    params: dict = field(default_factory=dict)
    #: each jurisdiction's latest round (:func:`latest_round`)
    where: dict = field(default_factory=dict)

    def t(self, key: str, **values) -> str:
        return i18n.t(key, self.lang, **values)

    def section(self, name: str) -> Html:
        if name not in SECTIONS:
            raise ValueError(f"unknown comparison section {name!r}; known: {', '.join(SECTIONS)}")
        return getattr(self, f"_{name}")()

    # -- parts ----------------------------------------------------------------------------
    def _names(self) -> list[str]:
        return [self.params[c].name(self.lang) for c in self.codes]

    def _table(self, rows: list[tuple[str, list[str]]], caption: str, first: str) -> str:
        head = (f'<th scope="col">{esc(first)}</th>'
                + "".join(f'<th scope="col">{esc(n)}</th>' for n in self._names()))
        body = "".join(f'<tr><th scope="row">{esc(label)}</th>'
                       + "".join(f"<td>{esc(v)}</td>" for v in values) + "</tr>"
                       for label, values in rows)
        return (f"<table><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>")

    def _title(self) -> Html:
        names = ", ".join(self._names()) or self.t("compare.none")
        return Html(f'<header><p class="kicker">{esc(self.t("report.kicker"))}</p>'
                    f'<h1>{esc(self.t("compare.title"))}</h1>'
                    f'<p>{esc(self.t("compare.intro", n=len(self.codes), names=names))}</p>'
                    "</header>")

    def _findings(self, code: str) -> pd.DataFrame | None:
        where = self.where[code]
        for path in (where.processed / "findings.csv", where.reports / "findings.csv"):
            if path.is_file():
                return pd.read_csv(path, dtype=str, keep_default_na=False)
        return None

    def _matrix_questions(self) -> dict[str, dict]:
        path = self.root / "params" / "evaluation_matrix.yaml"
        matrix = config.read_yaml(path) if path.is_file() else None
        return {str(q["id"]): q for q in (matrix or {}).get("questions") or [] if "id" in q}

    def _question_texts(self) -> dict[str, str]:
        texts = {}
        for qid, question in self._matrix_questions().items():
            text = question.get("question")
            if isinstance(text, dict):
                texts[qid] = str(text.get(self.lang) or text.get("en"))
        return texts

    def _applies(self, code: str, qid: str) -> bool:
        """A question for jurisdictions with a Network does not apply to a consultation."""
        scope = self._matrix_questions().get(qid, {}).get("scope")
        if scope is None:
            return True
        return scope == ("network" if self.params[code].network_in_place else "consultation")

    def rating_label(self, rating: str | None) -> str:
        known = i18n.catalogue(self.lang)
        for key in (f"rating.{rating}", f"compare.rating.{rating}"):
            if key in known:
                return known[key]
        return self.t("compare.not_assessed")

    def _ratings(self) -> Html:
        heading = f'<section id="ratings"><h2>{esc(self.t("compare.ratings_heading"))}</h2>'
        found = {code: self._findings(code) for code in self.codes}
        texts = self._question_texts()
        questions: dict[str, str] = {}
        for frame in found.values():
            if frame is not None and "question_id" in frame:
                for _, row in frame.iterrows():
                    qid = row["question_id"]
                    questions.setdefault(qid, texts.get(qid) or row.get("question") or qid)
        if not questions:
            return Html(f'{heading}<p>{esc(self.t("compare.no_ratings"))}</p></section>')
        rows = []
        for qid, text in questions.items():
            values = []
            for code in self.codes:
                frame = found[code]
                match = (frame[frame["question_id"] == qid]
                         if frame is not None and "question_id" in frame else None)
                rating = match["rating"].iloc[0] if match is not None and len(match) else None
                values.append(self.rating_label(rating) if rating or self._applies(code, qid)
                              else self.t("compare.not_applicable"))
            rows.append((text, values))
        return Html(heading + self._table(rows, self.t("compare.ratings_caption"),
                                          self.t("compare.col.question")) + "</section>")

    def _pass(self, code: str) -> privacy.Ledger:
        """The disclosure pass of jurisdiction ``code`` (what its own report shows)."""
        cache = self.__dict__.setdefault("_passes", {})
        if code not in cache:
            cache[code] = privacy.load_pass(self.where[code].processed,
                                            self.params[code].min_cell)
        return cache[code]

    def _shown_number(self, code: str, key, fallback) -> str:
        ledger = self._pass(code)
        if key in ledger.value:
            value = ledger.shown(key)
            return self.t("table.suppressed") if value is None else i18n.number(value, self.lang)
        return i18n.number(fallback, self.lang)

    def _indicators(self) -> Html:
        rows: list[tuple[str, list[str]]] = []
        per = {}
        for code in self.codes:
            where = self.where[code]
            p = self.params[code]
            people = ingest.read_processed(where.processed, "participants")
            per[code] = {
                "kind": self.t("compare.kind.network" if p.network_in_place
                               else "compare.kind.consultation"),
                "budget": i18n.money(p.budget.amount, self.lang, p.budget.currency),
                "period": self.t("compare.period", start=p.period.start, end=p.period.end),
                "participants": self._shown_number(
                    code, ("participants", "all", "total"), people["participant"].nunique()),
                "spent": self.t("compare.not_applicable"),
                "meetings": self.t("compare.not_applicable"),
            }
            if (where.processed / "funding.parquet").is_file():
                funding = ingest.read_processed(where.processed, "funding")
                spent = funding.loc[funding["entry_type"] == "expenditure", "amount_cad"].sum()
                per[code]["spent"] = i18n.percent(float(spent) / p.budget.amount, self.lang)
            if (where.processed / "meetings.parquet").is_file():
                meetings = ingest.read_processed(where.processed, "meetings")
                per[code]["meetings"] = i18n.number(meetings["meeting_id"].nunique(), self.lang)
        for key in ("kind", "period", "budget", "spent", "participants", "meetings"):
            rows.append((self.t(f"compare.indicator.{key}"), [per[c][key] for c in self.codes]))
        items: list[str] = []
        survey = {}
        for code in self.codes:
            path = self.where[code].processed / "survey_indicators.parquet"
            if path.is_file():
                frame = pd.read_parquet(path)
                survey[code] = frame[frame["group"] == "all"].set_index("item")
                items += [i for i in survey[code].index if i not in items]
        for item in items:
            values = []
            for code in self.codes:
                row = survey.get(code, pd.DataFrame()).reindex([item]).iloc[0] \
                    if code in survey and item in survey[code].index else None
                if row is None or pd.isna(row["agree_pct"]):
                    values.append(self.t("compare.not_assessed"))
                elif (row["n"] < self.params[code].min_cell
                      or self._pass(code).shown((f"survey:{item}", "all", "agree")) is None
                      or self._pass(code).shown((f"survey:{item}", "all", "n")) is None):
                    # the jurisdiction's own disclosure pass decides, as in its report
                    values.append(self.t("table.suppressed"))
                else:
                    values.append(self.t("compare.agree_value",
                                         pct=i18n.percent(float(row["agree_pct"]), self.lang),
                                         n=i18n.number(int(row["n"]), self.lang)))
            try:
                label = getattr(self.codebook.sources["survey"].variable(item).label, self.lang)
            except KeyError:
                label = item
            rows.append((self.t("compare.indicator.agree", statement=label), values))
        note = self.t("table.suppressed_note", mark=self.t("table.suppressed"),
                      n=min((self.params[c].min_cell for c in self.codes), default=5))
        return Html(f'<section id="indicators"><h2>{esc(self.t("compare.indicators_heading"))}'
                    "</h2>" + self._table(rows, self.t("compare.indicators_caption"),
                                          self.t("compare.col.indicator"))
                    + f'<p class="note">{esc(note)}</p></section>')


    def _round_label(self, code: str, wave) -> str:
        if wave is None or (not isinstance(wave, str) and pd.isna(wave)):
            period = self.params[code].period
            return self.t("trend.only_round", start=period.start, end=period.end)
        found = {w.id: w.period for w in self.params[code].waves}.get(wave)
        return (self.t("trend.round", round=wave, start=found.start, end=found.end)
                if found is not None else str(wave))

    def _target(self, row, data_type: str) -> str:
        """The target a jurisdiction's trend judged this round against: its value and date
        (a jurisdiction may set its own, so it is given on each row)."""
        return self.t("trend.target", target=self._format(row.target, data_type),
                      by=row.target_by)

    def _format(self, value, data_type: str) -> str:
        if data_type == "share":
            return i18n.percent(float(value), self.lang)
        if data_type == "amount":
            return i18n.money(float(value), self.lang)
        return i18n.number(float(value), self.lang)

    def _trend_value(self, row, data_type: str) -> str:
        def fmt(v):
            if data_type == "share":
                return i18n.percent(float(v), self.lang)
            if data_type == "amount":
                return i18n.money(float(v), self.lang)
            return i18n.number(float(v), self.lang)
        if row.status in ("not_collected", "no_table"):
            return self.t("trend.not_collected")
        if pd.isna(row.estimate):
            return self.t("table.suppressed")
        text = fmt(row.estimate)
        if not pd.isna(row.ci_low):
            text += f" ({fmt(row.ci_low)}-{fmt(row.ci_high)})"
        return text

    def _trends(self) -> Html:
        """Each registered indicator across jurisdictions and their rounds: the figures of
        each jurisdiction's latest ``trend`` table, which shows only what its rounds'
        disclosure passes and its trend's pass show."""
        from mwsn import register

        heading = f'<section id="trends"><h2>{esc(self.t("compare.trends_heading"))}</h2>'
        found = {}
        for code in self.codes:
            path = self.where[code].processed / "trend.parquet"
            if path.is_file():
                found[code] = pd.read_parquet(path).sort_values(["wave_order"])
        try:
            reg = register.load_register(self.root)
        except MwsnError:
            reg = register.Register()
        entries = reg.indicators
        if not entries:
            return Html(f'{heading}<p>{esc(self.t("trend.no_register"))}</p></section>')
        if not found:
            return Html(f'{heading}<p>{esc(self.t("compare.no_trends"))}</p></section>')
        short = register.names(reg, findings.load_matrix(self.root), self.lang)
        names = dict(zip(self.codes, self._names()))
        parts = [f'<p>{esc(self.t("compare.trends_intro"))}</p>']
        for entry in entries:
            rows, points = [], []
            for code, trend in found.items():
                for r in trend[trend["indicator_id"] == entry.id].itertuples():
                    label = self._round_label(code, r.wave)
                    rows.append((names[code], [label, self._trend_value(r, entry.data_type),
                                               self._target(r, entry.data_type),
                                               self.t(f"trend.status.{r.target_status}")]))
                    points.append({"jurisdiction": names[code], "round": label,
                                   "period_end": r.period_end, "estimate": r.estimate})
            if not rows:
                continue
            chart = pd.DataFrame(points)
            if chart["estimate"].notna().any():
                parts.append(figure(plots.indicator_across_jurisdictions(
                    chart, self.lang, title=short[entry.id],
                    unit="share" if entry.data_type == "share" else "count")))
            head = "".join(f'<th scope="col">{esc(self.t(k))}</th>' for k in (
                "compare.col.jurisdiction", "trend.col.round", "trend.col.value",
                "trend.col.target", "trend.col.status"))
            body = "".join(f'<tr><th scope="row">{esc(j)}</th>'
                           + "".join(f"<td>{esc(v)}</td>" for v in values) + "</tr>"
                           for j, values in rows)
            caption = self.t("compare.trend_caption", indicator=short[entry.id])
            parts.append(f"<table><caption>{esc(caption)}</caption><thead><tr>{head}</tr>"
                         f"</thead><tbody>{body}</tbody></table>")
        note = self.t("table.suppressed_note", mark=self.t("table.suppressed"),
                      n=min((self.params[c].min_cell for c in self.codes), default=5))
        return Html(heading + "".join(parts) + f'<p class="note">{esc(note)}</p></section>')


def load_comparison(root: str | Path = ".", lang: str = "en") -> Comparison:
    root = Path(root)
    codes = jurisdictions(root)
    where = {code: latest_round(code, root) for code in codes}
    return Comparison(root, lang, codes, load_codebook(root),
                      {code: config.load(code, root, where[code].wave) for code in codes},
                      where)


def pages(root: str | Path = ".") -> dict[str, str]:
    """The whole comparison page in each language: ``{"compare.html": ..., "compare.fr.html": ...}``."""
    synthetic = any_synthetic(root)
    found = {}
    for lang in i18n.LANGUAGES:  # the comparison is in the report's languages (EN/FR)
        comparison = load_comparison(root, lang)
        body = "".join(comparison.section(name) for name in SECTIONS)
        suffix = "" if lang == "en" else f".{lang}"
        found[f"compare{suffix}.html"] = page(body, lang, i18n.t("compare.title", lang), synthetic)
    return found


def write_pages(root: str | Path = ".") -> list[Path]:
    """Write :func:`pages` into ``<root>/reports/``, each aside then renamed into place."""
    folder = Path(root) / "reports"
    return [ingest.write_atomically(folder / name,
                                    lambda tmp, text=text: Path(tmp).write_text(text,
                                                                                encoding="utf-8"))
            for name, text in pages(root).items()]
