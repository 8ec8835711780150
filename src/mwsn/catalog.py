"""The processed tables, each declared once: name, the notebook that writes it, its columns
and what one row means.

:func:`mwsn.ingest.write_processed` checks a catalogued table's columns as it writes it
(``findings.csv``, a CSV written by ``ingest.write_csv``, is declared but not checked), so
a table never drifts from what the report, the tests and ``docs/CONTRACTS.md`` say of it;
``tools/contracts.py`` writes the tables' section of ``docs/CONTRACTS.md`` from here, and a
test checks that every name a notebook declares in ``metadata.mwsn.writes`` is here.

Adding a table is one :class:`Table` line in :data:`TABLES` (then ``python
tools/contracts.py``). Columns that depend on the data (one per line of evidence, one
per codebook variable) are described by ``extra``, a regular expression any further column
must match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mwsn.errors import MwsnError


@dataclass(frozen=True)
class Table:
    """One processed table, ``data/processed/<jur>/<name>.parquet`` (or ``<name>`` when the
    name is a file name, such as ``findings.csv``).

    ``columns`` are always there, in that order; ``extra`` is a regular expression every
    further column must match (``None``: no further column), with ``extra_means`` saying
    what they are in words.
    """

    name: str
    notebook: str
    columns: tuple[str, ...]
    meaning: str
    extra: str | None = None
    extra_means: str = ""

    def problems(self, columns) -> tuple[list[str], list[str]]:
        """The catalogued columns ``columns`` lacks, and those it has that are not allowed."""
        have = [str(c) for c in columns]
        missing = [c for c in self.columns if c not in have]
        unknown = [c for c in have if c not in self.columns
                   and not (self.extra is not None and re.fullmatch(self.extra, c))]
        return missing, unknown


class CatalogError(MwsnError):
    """A table written with other columns than the catalog declares."""


#: codebook variables of a cleaned source: kept as the codebook names them
_VARIABLES = r"\w+"
_CLEANED = "the codebook's variables of this source that are kept (see docs/DATA.md)"

TABLES: dict[str, Table] = {t.name: t for t in [
    # 00_context: the national context, from the published TFWP and IRCC tables
    Table("context_sources", "00_context",
          ("name", "publisher", "table", "title", "file", "edition", "total_mismatches"),
          "one published table the context read, with its edition and checks"),
    Table("context_streams", "00_context", ("province", "year", "stream", "positions", "share"),
          "approved TFWP positions of one province, year and stream"),
    Table("context_outside_agriculture", "00_context",
          ("year", "province", "total", "agriculture", "outside_agriculture", "share_outside"),
          "positions outside primary agriculture, per province and year"),
    Table("context_occupations", "00_context",
          ("province", "rank", "year", "code", "occupation", "positions", "share"),
          "one of a province's leading occupations by approved positions"),
    Table("context_provinces", "00_context",
          ("province", "year", "positions", "share_of_canada", "permit_year",
           "work_permit_holders", "holders_share_of_canada", "rank_positions", "rank_holders"),
          "a province's positions and work-permit holders against Canada's"),
    Table("context_needs", "00_context",
          ("province", "first_year", "last_year", "permit_year", "positions", "workforce",
           "growth", "low_wage_share", "agriculture_share", "network_in_place", "reason",
           "ranked", "score", "rank"),
          "a province's need for a network: its indicators, score and rank",
          extra=r"[a-z_]+_scaled", extra_means="`<indicator>_scaled`, each indicator on 0-1"),
    Table("context_weights", "00_context",
          ("indicator", "weight", "share", "explanation_en", "explanation_fr", "min_positions"),
          "one indicator of need, its weight and why"),
    Table("context_total_checks", "00_context",
          ("name", "check", "province", "category", "year", "measure", "published",
           "sum_of_detail", "difference", "n_detail", "n_missing", "agrees", "explanation"),
          "a published total that differs from the sum of its detail rows"),
    # 01_clean: the raw exports, pseudonymized and scrubbed
    Table("survey", "01_clean", ("participant",),
          "one survey response kept (consent given, latest complete submission per person)",
          extra=_VARIABLES, extra_means=_CLEANED + "; each Likert item `<item>` with its "
          "`<item>_missing` reason"),
    Table("excerpts", "01_clean", ("participant",),
          "one coded excerpt of an interview or focus group, text scrubbed",
          extra=_VARIABLES, extra_means=_CLEANED),
    Table("funding", "01_clean", (), "one funding ledger entry (agreement or expenditure)",
          extra=_VARIABLES, extra_means=_CLEANED),
    Table("meetings", "01_clean", (), "one Network meeting with its attendance",
          extra=_VARIABLES, extra_means=_CLEANED),
    Table("recommendations", "01_clean", (), "one recommendation made at a meeting",
          extra=_VARIABLES, extra_means=_CLEANED),
    Table("services", "01_clean", (),
          "one service a funded organization gave a worker (records, written from Arrow; "
          "no rows without a `services` source)",
          extra=_VARIABLES, extra_means=_CLEANED),
    Table("participants", "01_clean", ("participant", "stakeholder_group", "line_of_evidence"),
          "one stakeholder who took part in one line of evidence"),
    Table("cleaning_log", "01_clean",
          ("source", "rows_in", "declined_consent", "duplicates_dropped", "rows_out",
           "dropped_columns"),
          "what cleaning did to one source"),
    Table("disclosure", "01_clean", ("table", "row", "column", "value", "rule", "published"),
          "one figure an output may show, and whether the disclosure pass lets it"),
    # 02_profile
    Table("stakeholder_profile", "02_profile", ("stakeholder_group", "total"),
          "participants of one stakeholder group",
          extra=r"[a-z_]+", extra_means="one column per line of evidence"),
    Table("response_rates", "02_profile",
          ("stakeholder_group", "target", "took_part", "against_target"),
          "participation of one group against its sample target (not an AAPOR rate)"),
    Table("respondent_sectors", "02_profile", ("stakeholder_group", "sector", "n"),
          "survey respondents of one group and sector"),
    # 03_survey (methods: docs/methods.md)
    Table("survey_indicators", "03_survey",
          ("item", "group", "n", "agree", "agree_pct", "ci_low", "ci_high", "note"),
          "top-two-box agreement with one statement in one group, Wilson 95% interval"),
    Table("survey_likert", "03_survey",
          ("item", "group", "kind", "level", "count", "n", "pct", "ci_low", "ci_high", "n_eff",
           "note"),
          "one scale level (or the top box) of one statement in one group"),
    Table("survey_group_tests", "03_survey",
          ("outcome", "test", "statistic_name", "statistic", "dof", "p_value", "p_holm",
           "cramers_v", "n", "min_expected", "power_medium", "note"),
          "agreement with one statement by stakeholder group: the test and its power"),
    Table("survey_change", "03_survey",
          ("group", "statistic", "p_value", "rank_biserial", "median_change", "n_pairs",
           "n_used", "n_zero", "method", "alternative", "note"),
          "knowledge after against before in one group (Wilcoxon signed-rank)"),
    # 04_qualitative
    Table("code_frequencies", "04_qualitative",
          ("code", "swot", "stakeholder_group", "line_of_evidence", "mentioned",
           "participants", "share"),
          "participants of one group and line of evidence who mentioned one code"),
    Table("coder_agreement", "04_qualitative",
          ("statistic", "value", "ci_low", "ci_high", "note", "excerpts", "coders",
           "interpretation"),
          "one inter-coder agreement statistic with its interval"),
    Table("swot", "04_qualitative", ("swot", "code", "share", "words", "groups"),
          "one code in the SWOT analysis, with who raised it"),
    Table("quotes", "04_qualitative", ("code", "stakeholder_group", "line_of_evidence", "text"),
          "one excerpt the report may quote (scrubbed, from a group large enough whose count "
          "the disclosure pass shows)"),
    # 05_program
    Table("program_metrics", "05_program",
          ("metric", "component", "unit", "estimate", "ci_low", "ci_high", "count", "n"),
          "one measure of the Network's delivery"),
    Table("spending", "05_program",
          ("fiscal_year", "agreed", "spent", "cumulative_spent", "share_of_budget"),
          "funding agreed and spent in one fiscal year"),
    Table("recipients", "05_program",
          ("recipient", "agreed", "spent", "share_spent", "sub_grants", "sub_granted",
           "workers_reached"),
          "one funding recipient: agreed, spent, sub-granted and workers reached"),
    Table("meetings_by_type", "05_program", ("meeting_type", "meetings", "attendees"),
          "meetings held and their attendees, per type of meeting"),
    Table("attendance", "05_program", ("meeting_type",),
          "attendees of one type of meeting",
          extra=r"[a-z_]+", extra_means="one column per stakeholder group"),
    Table("recommendation_outcomes", "05_program", ("status", "recommendations", "share"),
          "recommendations with one status"),
    Table("service_indicators", "05_program",
          ("metric", "count", "base", "base_unit", "share", "status"),
          "one service indicator of the register (complete counts of the records)"),
    Table("services_by_quarter", "05_program", ("quarter", "service_type", "services", "workers"),
          "services and distinct workers in one calendar quarter and service type (or all)"),
    # 06_findings
    Table("indicator_scores", "06_findings",
          ("question_id", "indicator_id", "line_of_evidence", "kind", "subject", "group",
           "unit", "people", "base", "status", "estimate", "ci_low", "ci_high", "count", "n",
           "groups_mentioned", "groups_total", "min_n", "score"),
          "one indicator of the evaluation matrix, measured and scored"),
    Table("findings", "06_findings",
          ("question_id", "rubric", "rating", "computed_rating", "rating_scored_only", "capped",
           "missing_indicators", "n_indicators", "n_scored", "n_context", "n_met", "n_not_met",
           "mean_score", "lines_of_evidence", "bootstrap_share", "threshold_share",
           "robustness", "overridden", "override_role_en", "override_role_fr",
           "override_reason_en", "override_reason_fr"),
          "one evaluation question: its rating, coverage and robustness"),
    Table("findings.csv", "06_findings",
          ("question_id", "question", "rating", "rating_label", "computed_rating", "overridden",
           "override_role", "override_reason", "n_indicators", "n_scored",
           "missing_indicators", "capped", "bootstrap_share", "threshold_share", "robustness",
           "lines_of_evidence", "justification"),
          "the findings as published (`reports/<jur>/findings.csv`), in the first language"),
    # 07_trends (a jurisdiction's rounds; columns as mwsn.trends makes them)
    Table("trend", "07_trends",
          ("wave", "wave_order", "period_end", "indicator_id", "unit", "status", "estimate",
           "ci_low", "ci_high", "n", "withheld", "is_baseline", "target", "target_by",
           "direction", "target_status"),
          "one registered indicator in one round up to this one, as shown, against its target"),
    Table("trend_changes", "07_trends",
          ("indicator_id", "wave_from", "wave_to", "span", "design", "n_from", "n_to",
           "share_from", "share_to", "change", "discordant", "test", "statistic", "p_value",
           "withheld", "note"),
          "an indicator's change between two rounds, with its test"),
    Table("trend_disclosure", "07_trends", ("table", "row", "column", "value", "rule", "published"),
          "one figure of the trend's disclosure pass (cells prefixed by their round)"),
]}


def check_columns(name: str, columns) -> None:
    """Raise :class:`CatalogError` if the catalogued table ``name`` would be written with
    other ``columns`` than the catalog declares (a table not catalogued is not checked).

    Raises
    ------
    CatalogError
        Naming the table, the notebook that writes it, and the missing and unexpected
        columns.
    """
    table = TABLES.get(name)
    if table is None:
        return
    missing, unknown = table.problems(columns)
    if missing or unknown:
        said = []
        if missing:
            said.append(f"missing {', '.join(missing)}")
        if unknown:
            said.append(f"not declared {', '.join(unknown)}")
        raise CatalogError(
            f"table {name!r} (written by {table.notebook}) has other columns than "
            f"src/mwsn/catalog.py declares: {'; '.join(said)}. Fix the notebook, or, if the "
            "change is meant, the table's entry in the catalog (then python "
            "tools/contracts.py to update docs/CONTRACTS.md)")


def markdown() -> str:
    """The catalog as the Markdown table ``docs/CONTRACTS.md`` shows."""
    lines = ["| table | written by | columns | one row is |", "|---|---|---|---|"]
    for table in TABLES.values():
        columns = ", ".join(f"`{c}`" for c in table.columns)
        if table.extra is not None:
            columns = f"{columns}, then {table.extra_means}" if columns else table.extra_means
        lines.append(f"| `{table.name}` | `{table.notebook}` | {columns} | {table.meaning} |")
    return "\n".join(lines) + "\n"
