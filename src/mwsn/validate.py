"""Check raw frames against the codebook, collecting every problem, not only the first.

Each problem names the file, the row and the column (as the export names
it), says what is wrong and what to do. Nothing here writes anything.

Checks work on a column's distinct values, not cell by cell, so a million
rows take seconds. Rules:

- a required column missing, or a required value empty (rows whose consent
  is "no" are exempt: cleaning drops them);
- a value outside the codebook: not on the Likert scale, not a known
  category, not a number or out of range, not a date, not true/false;
- missing consent: a row with an empty consent answer cannot be used;
- the same record (the codebook's ``record`` variables, e.g. the survey's
  ``ResponseId``) twice with different answers is an error: the tool
  exported one response two ways and only the evaluator can say which is
  right. The same record repeated identically, and the same person
  (``respondent``) submitting several responses, are not errors: cleaning
  keeps one (the latest complete submission) and counts the others.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mwsn import ingest, services
from mwsn.codebook import (Codebook, SourceSpec, Variable, answer_text, arrow_storage,
                           blank_cells, looks_like_unix_time, parse_booleans,
                           parse_datetimes, parse_numbers, unix_day)
from mwsn.config import (Jurisdiction, Paths, Source, period_bounds, pseudonym_key,
                         raw_folder_problem)
from mwsn.errors import InputError, Problem

#: rows listed for one kind of problem in one column before the rest are summed up
MAX_ROWS_PER_PROBLEM = 20


def _domain(values: pd.Series, by_value: bool) -> tuple[np.ndarray, pd.Series, np.ndarray]:
    """The values to judge and, for each row, which of them it holds.

    A categorical column is judged once per category; a column judged one
    value at a time in Python (``by_value``: Likert, category, true/false) is
    factorized first; any other column (numbers, dates) is judged row by row
    with vectorized parsers. Returns row → value codes (-1 for missing), the
    values as stripped text, and which values are blank.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, uniques = values.cat.codes.to_numpy(), pd.Series(values.cat.categories)
    elif by_value:
        codes, found = pd.factorize(values, use_na_sentinel=True)
        uniques = pd.Series(found)
    else:
        codes, uniques = np.arange(len(values)), values.reset_index(drop=True)
    if by_value and (uniques.dtype == object or pd.api.types.is_float_dtype(uniques)):
        # numbers stored as doubles (SPSS, Stata, Excel) are judged as numbers: 4.0 is 4
        uniques = uniques.map(answer_text, na_action="ignore")
    text = uniques.astype("string").str.strip()
    blank = (text.isna() | (text == "")).to_numpy(dtype=bool)
    return codes, text, blank


def _blank_text(values: pd.Series) -> np.ndarray | None:
    """Per row, whether a text column read by Arrow is blank (missing, empty or all
    whitespace: what :func:`_domain` finds by stripping it), told by Arrow in place; None
    for a column of other storage."""
    return None if arrow_storage(values) is None else blank_cells(values)


def _bad_values(var: Variable, text: pd.Series, blank: np.ndarray, codebook: Codebook,
                declared_missing: set[str] = frozenset(),
                column: pd.Series | None = None) -> tuple[np.ndarray, object]:
    """Which values (by position in ``text``) are not valid for ``var``, and a function
    giving the message for one of them. ``column``: the raw column, when ``text`` is its
    rows one by one (not its distinct values): dates are then parsed from it, once for
    validation and cleaning (see :func:`mwsn.codebook.parse_datetimes`)."""
    bad = np.zeros(len(text), dtype=bool)
    filled = ~blank
    if var.type == "likert":
        scale = codebook.scales[var.scale]
        allowed = ", ".join(scale.labels("en"))
        bad = filled & np.array([scale.parse(v) is None if isinstance(v, str) else True
                                 for v in text.fillna("")], dtype=bool)
        def why(i: int) -> str:
            if text.iat[i] in declared_missing:
                return (f"{text.iat[i]!r} is a missing code of the file but not one of the "
                        f"{var.scale} scale's reasons (Don't know, Not applicable, Prefer not "
                        "to say): map it in the params, e.g. sources.<name>.values: "
                        f"{{{var.name}: {{{text.iat[i]!r}: \"Don't know\"}}}}")
            return (f"{text.iat[i]!r} is not on the {var.scale} scale ({allowed}, or a missing "
                    "code such as Don't know): correct it, recode it in the params "
                    "(sources.<name>.values) or add it to the codebook")

        return bad, why
    if var.type in ("category", "multi"):
        allowed = ", ".join(c.code for c in codebook.categories[var.values])

        def unknown(value: str) -> list[str]:
            answers = value.split() if var.type == "multi" else [value]
            return [a for a in answers if codebook.parse_category(var.values, a) is None]

        bad = filled & np.array([bool(unknown(v)) for v in text.fillna("")], dtype=bool)
        return bad, lambda i: (f"{' '.join(unknown(text.iat[i]))!r} is not a known {var.values} "
                               f"(known: {allowed}): correct it, recode it in the params "
                               "(sources.<name>.values) or add it to the codebook")
    if var.type == "number":
        numbers = parse_numbers(text).to_numpy(dtype="float64")
        bad = filled & np.isnan(numbers)
        if var.range:
            low, high = var.range
            outside = filled & ~np.isnan(numbers) & ((numbers < low) | (numbers > high))
        else:
            outside = np.zeros(len(text), dtype=bool)

        def why(i: int) -> str:
            if outside[i]:
                return (f"{text.iat[i]} is outside the allowed range {low:g} to {high:g}: "
                        "correct it")
            return (f"{text.iat[i]!r} is not a number (read: 1234, 1,234.5, 1 234,5, "
                    "$1,234.50): correct it in the tool that made the export and export again "
                    "(raw files are never edited)")

        return bad | outside, why
    if var.type in ("date", "datetime"):
        parsed = (parse_datetimes(text) if column is None else  # the stripped text made
                  parse_datetimes(column, stripped=text.set_axis(column.index)))  # once
        bad = filled & parsed.isna().to_numpy()

        def why(i: int) -> str:
            if var.type == "date" and looks_like_unix_time(text.iat[i]):
                return unix_day(text.iat[i])
            return (f"{text.iat[i]!r} is not a date: it is no day of the calendar, or is "
                    "written in a way not read (2019-10-01, 2019-10-01 14:30, 01/10/2019, "
                    "with a UTC offset such as -07:00, GMT-7 or PDT): correct it at the "
                    "source and export again, or say how the column writes dates "
                    "(sources.<name>.date_format)")

        return bad, why
    if var.type == "boolean":
        bad = filled & parse_booleans(text).isna().to_numpy()
        return bad, lambda i: (f"{text.iat[i]!r} is not true/false (True/False, 1/0, yes/no, "
                               "oui/non): recode it in the params, e.g. sources.<name>.values: "
                               f"{{{var.name}: {{{text.iat[i]!r}: true}}}}")
    return bad, None


def _row_problems(frame: pd.DataFrame, positions: np.ndarray, file: str, column: str,
                  message) -> list[Problem]:
    """One problem per row (at most MAX_ROWS_PER_PROBLEM, then a count of the rest)."""
    rows = frame[ingest.ROW].to_numpy()
    out = [Problem(file, message(p) if callable(message) else message, row=int(rows[p]),
                   column=column) for p in positions[:MAX_ROWS_PER_PROBLEM]]
    if len(positions) > MAX_ROWS_PER_PROBLEM:
        out.append(Problem(file, f"... and {len(positions) - MAX_ROWS_PER_PROBLEM} more rows "
                           "with the same kind of problem in this column", column=column))
    return out


def _declined(frame: pd.DataFrame, spec: SourceSpec, codebook: Codebook) -> np.ndarray:
    if not spec.consent or spec.consent not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    codes, text, _ = _domain(frame[spec.consent], by_value=True)
    no = np.array([codebook.parse_category("consent", v) == "no" if isinstance(v, str) else False
                   for v in text] + [False], dtype=bool)
    return no[codes]


def _incomplete(frame: pd.DataFrame, spec: SourceSpec) -> np.ndarray:
    """Rows the export marks as not completed (``Finished`` false): their timestamp may be
    blank (REDCap leaves it empty, or writes ``[not completed]``)."""
    if not spec.complete or spec.complete not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return (parse_booleans(frame[spec.complete]) == False  # noqa: E712
            ).fillna(False).to_numpy(dtype=bool)


#: rows of a record key whose order is checked before the whole column is
ORDER_SAMPLE = 1000


def _repeated(keys: pd.DataFrame) -> np.ndarray:
    """Which rows hold the same record key as another row (``DataFrame.duplicated`` with
    ``keep=False``: missing keys alike). A single key read as text is judged by Arrow: in
    one comparison of neighbours when its values come in order (sequential or sorted
    record IDs: no value is looked up), else by Arrow's hash table on the text as read."""
    text = arrow_storage(keys.iloc[:, 0]) if keys.shape[1] == 1 else None
    if text is None:
        return keys.duplicated(keep=False).to_numpy().copy()
    text = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
    size = len(text)
    if size > 1 and text.null_count == 0 and all(
            not pc.any(pc.less(part.slice(1), part.slice(0, len(part) - 1))).as_py()
            for part in (text.slice(0, ORDER_SAMPLE), text)):
        same = pc.equal(text.slice(1), text.slice(0, size - 1)).to_numpy(zero_copy_only=False)
        repeated = np.zeros(size, dtype=bool)
        repeated[1:] |= same
        repeated[:-1] |= same
        return repeated
    codes = pc.dictionary_encode(text, null_encoding="encode").indices.to_numpy(
        zero_copy_only=False)
    return np.bincount(codes)[codes] > 1


def _duplicate_records(frame: pd.DataFrame, spec: SourceSpec, file: str,
                       raw_name) -> list[Problem]:
    keys = [k for k in spec.record if k in frame.columns]
    if not keys or len(keys) < len(spec.record):
        return []
    repeated = _repeated(frame[keys])
    if not repeated.any():
        return []
    filled = frame.loc[repeated, keys].astype("string").apply(
        lambda c: c.str.strip().fillna("") != "").all(axis=1)
    repeated[np.flatnonzero(repeated)[~filled.to_numpy()]] = False
    if not repeated.any():
        return []
    answers = [c for c in frame.columns if c not in (ingest.FILE, ingest.ROW)]
    subset = frame.loc[repeated]
    distinct = subset.drop_duplicates(subset=answers)
    conflicting = distinct[distinct[keys].duplicated(keep=False)]
    problems = []
    for key, group in conflicting.groupby(keys, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        rows = sorted(int(r) for r in subset.loc[
            (subset[keys].astype("string") == pd.Series(key, index=keys).astype("string"))
            .all(axis=1), ingest.ROW])
        differs = [c for c in answers if group[c].astype("string").nunique(dropna=False) > 1]
        named = ", ".join(f"{raw_name(k)}={v!r}" for k, v in zip(keys, key))
        problems.append(Problem(
            file, f"the same record ({named}) appears on rows {', '.join(map(str, rows))} with "
            f"different answers (first difference in column '{raw_name(differs[0])}'): the tool "
            "exported one response two ways; correct it at the source and export again (raw "
            "files are never edited)", row=rows[0], column=raw_name(keys[0])))
    return problems


def check_frame(frame: pd.DataFrame, spec: SourceSpec, codebook: Codebook,
                file: str) -> list[Problem]:
    """Every problem in one raw frame (columns already renamed to the codebook's names)."""
    raw_names = frame.attrs.get("raw_names", {})

    def raw_name(name: str) -> str:
        return raw_names.get(name, spec.variable(name).raw_name if name in
                             {v.name for v in spec.variables} else name)

    problems = list(frame.attrs.get("problems", []))
    data_columns = [c for c in frame.columns if c not in (ingest.FILE, ingest.ROW)]
    declared_absent = frame.attrs.get("absent", {})
    absent = [var for var in spec.variables if var.required and var.name not in frame.columns
              and var.name not in declared_absent]
    text_export = "delimiter" in frame.attrs
    if absent and len(data_columns) == 1 and text_export:
        names = ", ".join(var.raw_name for var in absent)
        problems.append(Problem(file, f"the file has a single column, so its delimiter is "
                                "probably none of , ; tab | and the required columns "
                                f"{names} are not found: export it again as CSV", row=1,
                                column=raw_name(data_columns[0])[:60]))
        absent = []
    separator = frame.attrs.get("group_separator")
    for var in absent:
        # two questions of one name in different groups keep their whole paths: say so, and
        # which to map, instead of calling the column missing
        paths = [c for c in data_columns if separator and separator in str(c)
                 and str(c).rsplit(separator, 1)[-1] in (var.name, var.raw_name)]
        if len(paths) > 1:
            listed = ", ".join(f"'{raw_name(c)}'" for c in paths[:4])
            problems.append(Problem(
                file, f"required column '{var.raw_name}' ({var.label.en}): {len(paths)} columns "
                f"of the export are '{var.raw_name}' once their group paths are taken off "
                f"({listed}), so each kept its whole path: map the one that holds it "
                f"(sources.<name>.columns: {{'{raw_name(paths[0])}': {var.raw_name}}})",
                row=1, column=var.raw_name))
            continue
        # the advice names declaring it absent only where the params would accept it
        may_be_absent = ingest.may_be_absent(var.name, var.required)
        problems.append(Problem(file, f"required column '{var.raw_name}' ({var.label.en}) is "
                                "missing: add it to the export"
                                + (", map the export's name for it (sources.<name>.columns), "
                                   "or declare it absent if the export never has it "
                                   "(sources.<name>.absent)" if may_be_absent else
                                   " or map the export's name for it "
                                   "(sources.<name>.columns): the assessment needs it for "
                                   "every response")
                                + ingest.kobo_hint(map(raw_name, data_columns),
                                                   [var.name, var.raw_name],
                                                   frame.attrs.get("format", "")),
                                row=1, column=var.raw_name))
    declined = _declined(frame, spec, codebook)
    unjudged = frame.attrs.get("unjudged", set())
    user_missing = frame.attrs.get("user_missing", {})
    for var in spec.variables:
        if var.name not in frame.columns or var.name in unjudged:
            continue
        judged = var.type in ("likert", "category", "multi", "number", "date", "datetime",
                              "boolean") and var.pii != "drop"  # dropped columns go unread
        if not (var.required or judged):
            continue
        column = raw_name(var.name)
        by_value = var.type in ("likert", "category", "multi", "boolean")
        if judged or by_value or (row_blank := _blank_text(frame[var.name])) is None:
            codes, text, blank = _domain(frame[var.name], by_value)
            row_blank = np.append(blank, True)[codes]
        if var.required and not var.asked_if:  # a skipped question is not asked, not missing
            if var.name == spec.consent:
                empty = np.flatnonzero(row_blank)
                hint = ("missing consent: a response without consent cannot be used; record "
                        "the participant's answer in the tool that made the export and export "
                        "again (raw files are never edited), or recode the export's placeholder "
                        "in the params (sources.<name>.values: {consent: {...: \"no\"}})")
            else:
                exempt = declined | (_incomplete(frame, spec) if var.name == spec.timestamp
                                     else False)
                empty = np.flatnonzero(row_blank & ~exempt)
                hint = ("required value is empty: complete it in the tool that made the export "
                        "and export again (raw files are never edited), or recode the export's "
                        "placeholder in the params (sources.<name>.values)")
            problems += _row_problems(frame, empty, file, column, hint)
        if judged:
            by_row = not isinstance(frame[var.name].dtype, pd.CategoricalDtype) and not by_value
            bad, why = _bad_values(var, text, blank, codebook,
                                   user_missing.get(var.name, set()),
                                   frame[var.name] if by_row else None)
            if bad.any():
                positions = np.flatnonzero(np.append(bad, False)[codes])
                problems += _row_problems(frame, positions, file, column,
                                          lambda p, why=why: why(int(codes[p])))
    problems += _duplicate_records(frame, spec, file, raw_name)
    return problems


def period_notes(frame: pd.DataFrame, spec: SourceSpec, params: Jurisdiction,
                 file: str) -> list[Problem]:
    """A note for each date column with dates outside the params' period (from the first day
    of its start month to the last day of its end month): a survey may follow the period,
    but dates far from it often mean a day-month mix-up or a wrong period."""
    start, end = period_bounds(params.period)
    first = pd.Timestamp(start)
    last = pd.Timestamp(end) + pd.offsets.MonthEnd(0) + pd.Timedelta(days=1)
    raw_names = frame.attrs.get("raw_names", {})
    notes = []
    for var in spec.variables:
        if var.type not in ("date", "datetime") or var.name not in frame.columns \
                or var.name in frame.attrs.get("unjudged", set()):
            continue
        when = parse_datetimes(frame[var.name])
        outside = (when.notna() & ((when < first) | (when >= last))).to_numpy()
        if outside.any():
            at = int(outside.nonzero()[0][0])
            notes.append(Problem(
                file, f"{int(outside.sum())} of {int(when.notna().sum())} dates fall outside "
                f"the period {params.period.start} to {params.period.end} (first: "
                f"{when.iat[at]:%Y-%m-%d}): check the day-month order (sources.<name>.dayfirst) "
                "or the params' period", row=int(frame[ingest.ROW].iat[at]),
                column=raw_names.get(var.name, var.name)))
    return notes


def matrix_needs(root: Path, params: Jurisdiction) -> dict[str, list[str]]:
    """Survey items the evaluation matrix reads for this jurisdiction's questions → the
    indicators that need them."""
    from mwsn.config import read_yaml

    # read as plain data: findings (which types the matrix) comes after this module
    matrix = read_yaml(Path(root) / "params" / "evaluation_matrix.yaml") or {}
    scope = "network" if params.network_in_place else "consultation"
    needs: dict[str, list[str]] = {}
    for question in matrix.get("questions", []) if isinstance(matrix, dict) else []:
        if not isinstance(question, dict) or question.get("scope") != scope:
            continue
        for indicator in question.get("indicators", []) or []:
            m = indicator.get("measure", {}) if isinstance(indicator, dict) else {}
            items = ([m.get("item")] if m.get("kind") == "survey_agreement" else
                     [m.get("before"), m.get("after")] if m.get("kind") == "survey_gain" else [])
            for item in filter(None, items):
                needs.setdefault(item, []).append(str(indicator.get("id")))
    return needs


def collected_notes(frame: pd.DataFrame, spec: SourceSpec, needs: dict[str, list[str]],
                    file: str) -> list[Problem]:
    """What the analyses will leave out: declared absences with their consequence, the
    items the evaluation matrix needs that the export does not have, and the other
    optional variables it does not have (read as not collected)."""
    notes = []
    declared = frame.attrs.get("absent", {})
    blank = frame.attrs.get("blank_absent", ())
    for name, why in sorted(declared.items()):
        said = ("empty in every row, so read as absent (as if listed in sources.<name>.absent)"
                if name in blank else "declared absent")
        notes.append(Problem(file, f"{said}: {why}", column=spec.variable(name).raw_name
                             if name in {v.name for v in spec.variables} else name))
    missing = [(item, indicators) for item, indicators in sorted(needs.items())
               if item not in frame.columns and item not in declared
               and item in {v.name for v in spec.variables}]
    if missing:
        listed = "; ".join(f"'{spec.variable(item).raw_name}' ({', '.join(indicators)})"
                           for item, indicators in missing)
        notes.append(Problem(file, f"{len(missing)} item(s) the evaluation matrix reads are not "
                             f"in the export, so their indicators will read 'not collected': "
                             f"{listed}; map an item's name in sources.<name>.columns if the "
                             "export has it under another name, or list it in "
                             "sources.<name>.absent", column=spec.variable(missing[0][0]).raw_name))
    optional = [v.raw_name for v in spec.variables
                if not v.required and v.pii != "drop" and v.name not in frame.columns
                and v.name not in declared and v.name not in needs]
    if optional:
        notes.append(Problem(file, f"{len(optional)} optional column(s) of the codebook are not "
                             f"in the export and read as not collected (tables that use them "
                             f"leave them out): {', '.join(repr(n) for n in optional)}; map a "
                             "name in sources.<name>.columns if the export has it under "
                             "another name", column=optional[0]))
    return notes


def external_problems(where: Paths) -> list[Problem]:
    """The published statistics the context section reads (``params/context.yaml``): the
    settings valid and every file present."""
    from mwsn import context

    try:
        settings = context.load_settings(where.root)
    except InputError as exc:
        return list(exc.problems)
    return [Problem(str(context.external_file(where, item.file)), f"published table for "
                    f"'{name}' not found: put the file in data/external/ (see its SOURCES.md) "
                    "or fix params/context.yaml")
            for name, item in sorted(settings.files.items())
            if not context.external_file(where, item.file).is_file()]


def read_and_check(params: Jurisdiction, codebook: Codebook,
                   where: Paths) -> dict[str, pd.DataFrame | pa.Table]:
    """Read every declared source and check it; raise one InputError listing all problems.

    Each source comes back as a DataFrame, except the service records (``services``):
    a pyarrow Table from :func:`mwsn.services.read_service_records` (records can
    number millions; see :mod:`mwsn.services` for its columns, ``_row`` included).

    This is the whole preflight of a run: this jurisdiction's params (no other
    jurisdiction's), the indicator register, every source, the pseudonym key for real
    data, the published statistics the context section reads. What a run
    will leave out (items not collected, dates outside the period, sheets not
    read) is attached to each frame as ``frame.attrs["notes"]`` (see :func:`notes`).
    """
    problems: list[Problem] = []
    frames: dict[str, pd.DataFrame] = {}
    if (folder := raw_folder_problem(where)) is not None:
        raise InputError(folder)
    try:
        pseudonym_key(where)
    except InputError as exc:
        problems.extend(exc.problems)
    problems.extend(external_problems(where))
    try:
        needs = matrix_needs(where.root, params) if "survey" in params.sources else {}
    except InputError as exc:
        problems.extend(exc.problems)
        needs = {}
    try:       # the trend step reads the indicator register: checked before any notebook runs
        from mwsn import register

        register.load_register(where.root)
    except InputError as exc:
        problems.extend(exc.problems)
    for name, source in sorted(params.sources.items()):
        path = where.raw / source.file
        spec = codebook.sources[name]
        if name == services.SOURCE:  # Arrow from end to end: 10^6 records, no DataFrame
            records, found = _service_records(path, source, spec, codebook, params)
            problems.extend(_named(found, name))
            if records is not None:
                frames[name] = records
            continue
        try:
            frame = ingest.read_source(path, source, spec, codebook)
        except InputError as exc:
            problems.extend(_named(exc.problems, name))
            continue
        if frame.empty:
            problems.append(Problem(str(path), "the export has a header but no records, so "
                                    "nothing could be drawn from it: export it again with its "
                                    f"data, or remove sources.{name} from the params if there "
                                    "is none (its evidence then reads 'not collected')",
                                    row=frame.attrs.get("header_row", 1)))
            continue
        problems.extend(_named(check_frame(frame, spec, codebook, str(path)), name))
        frame.attrs["notes"] = _named([*frame.attrs.get("notes", []),
                                       *period_notes(frame, spec, params, str(path)),
                                       *collected_notes(frame, spec,
                                                        needs if name == "survey" else {},
                                                        str(path))], name)
        frames[name] = frame
    problems.extend(budget_problems(frames.get("funding"), params, codebook, where))
    if problems:
        raise InputError(sorted(problems, key=lambda p: (p.file, p.row or 0)))
    _note_no_roster(frames, codebook, where, params)
    return frames


#: contribution agreements worth more than this many times the params' budget: the budget
#: is not the program's (the value ``mwsn init`` writes until it is set, or an amount in
#: thousands); a program that overspends does so by a fraction, not twice over
BUDGET_AGREED_LIMIT = 2.0


def budget_problems(funding: pd.DataFrame | None, params: Jurisdiction, codebook: Codebook,
                    where: Paths) -> list[Problem]:
    """A problem when the funding ledger's contribution agreements (``entry_type``
    agreement, ``amount_cad``) total more than :data:`BUDGET_AGREED_LIMIT` times the params'
    ``budget.amount``: the share of the budget spent would read in the millions of percent.
    ``funding``: the ledger as read (None: no ledger, nothing to compare)."""
    if funding is None or not {"entry_type", "amount_cad"} <= set(funding.columns):
        return []
    kinds = funding["entry_type"].map(
        lambda v: None if pd.isna(v) else codebook.parse_category("funding_entry", str(v)))
    agreed = float(parse_numbers(funding.loc[(kinds == "agreement").to_numpy(),
                                             "amount_cad"]).sum())
    budget = params.budget.amount
    if agreed <= BUDGET_AGREED_LIMIT * budget:
        return []
    return [Problem(str(where.params_file),
                    f"budget.amount is {budget:,.0f} {params.budget.currency} but the funding "
                    f"ledger's contribution agreements total {agreed:,.0f}: set budget.amount "
                    "to the program's budget over the period (the value `mwsn init` writes is "
                    "1 until it is set), or the share of the budget spent means nothing",
                    column="budget.amount")]


def _note_no_roster(frames: dict, codebook: Codebook, where: Paths,
                    params: Jurisdiction) -> None:
    """A note on the first source with free text when no source has a name column with a
    name in it: free text then loses only the names written after a title ("Mr. Singh"),
    not a participant's own name written plainly (there is no roster to find it by)."""
    sources = {name: frame for name, frame in frames.items() if isinstance(frame, pd.DataFrame)}
    for name, frame in sources.items():
        spec = codebook.sources[name]
        if any(v.names and v.name in frame.columns and frame[v.name].notna().any()
               for v in spec.variables):
            return
    for name, frame in sorted(sources.items()):
        text = [v.raw_name for v in codebook.sources[name].variables
                if v.pii == "scrub" and v.name in frame.columns and frame[v.name].notna().any()]
        if text:
            file = str(where.raw / params.sources[name].file)
            frame.attrs["notes"] = [*frame.attrs.get("notes", []), Problem(
                file, "no source has a name column (first or last name, in no export or "
                "declared absent), so free text loses the names written after a title "
                "('Mr. Singh') but not a name written plainly ('Ask Miguel Diaz'): keep the "
                "name columns in the exports (cleaning drops them after using them), or read "
                "the comments before sharing the processed data", column=text[0])]
            return


#: what the readers and checks write where a message names a source's params key, since they
#: are given the source, not its name: :func:`_named` puts the name in
SOURCE_KEY = "sources.<name>"


def _named(problems: list[Problem], name: str) -> list[Problem]:
    """``problems`` of the source ``name``, each ``sources.<name>.…`` it tells the user to
    change written with the real name (``sources.survey.dayfirst``)."""
    return [replace(p, message=p.message.replace(SOURCE_KEY, f"sources.{name}"))
            if SOURCE_KEY in p.message else p for p in problems]


def _service_records(path: Path, source: Source, spec: SourceSpec, codebook: Codebook,
                     params: Jurisdiction) -> tuple[pa.Table | None, list[Problem]]:
    """The service records read and checked through :mod:`mwsn.services` (a pyarrow Table,
    never a DataFrame), and their problems at file:row:column."""
    if source.format not in ("csv", "kobo", "odk"):
        return None, [Problem(str(path), f"service records are read as CSV, not "
                              f"{source.format}: export them as UTF-8 CSV with one header row "
                              f"and set sources.{services.SOURCE}.format: csv (or kobo, odk "
                              "for a KoboToolbox or ODK Central CSV)")]
    try:
        records = services.read_service_records(path, spec, source.columns, source.values,
                                                dayfirst=source.dayfirst,
                                                date_format=source.date_format,
                                                fmt=source.format)
    except InputError as exc:
        return None, list(exc.problems)
    if records.num_rows == 0:
        return None, [Problem(str(path), "the export has a header but no records, so nothing "
                              "could be drawn from it: export it again with its data, or remove "
                              f"sources.{services.SOURCE} from the params if there is none (its "
                              "evidence then reads 'not collected')", row=1)]
    absent = set(source.absent)
    if absent:  # a column the export never has is not required of it
        spec = spec.model_copy(update={"variables": [
            v.model_copy(update={"required": False}) if v.name in absent or v.raw_name in absent
            else v for v in spec.variables]})
    problems = services.check_service_records(
        records, spec, codebook, str(path), (params.period.start, params.period.end))
    optional = [v.raw_name for v in spec.variables
                if not v.required and v.pii != "drop" and v.name not in records.column_names
                and v.name not in absent and v.raw_name not in absent]
    if optional:  # as collected_notes says of the other sources (a Table has no attrs)
        note = Problem(str(path), f"{len(optional)} optional column(s) of the codebook are not "
                       "in the export and read as not collected (tables that use them leave "
                       f"them out): {', '.join(repr(n) for n in optional)}; map a name in "
                       f"sources.{services.SOURCE}.columns if the export has it under another "
                       "name", column=optional[0])
        records = records.replace_schema_metadata({**(records.schema.metadata or {}),
                                                   NOTES: json.dumps([asdict(note)])})
    return records, problems


#: schema metadata of the service records (a pyarrow Table, which has no ``attrs``): the
#: notes of reading them (JSON list of :class:`~mwsn.errors.Problem` fields)
NOTES = b"mwsn.notes"


def _attached_notes(frame) -> list[Problem]:
    if isinstance(frame, pa.Table):
        metadata = frame.schema.metadata or {}
        return [Problem(**n) for n in json.loads(metadata[NOTES])] if NOTES in metadata else []
    return list(getattr(frame, "attrs", {}).get("notes", []))


def notes(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """Everything reading and checking noted but did not refuse, by file and row."""
    found = [n for frame in frames.values() for n in _attached_notes(frame)]
    return sorted(found, key=lambda p: (p.file, p.row or 0))


def relative(problems: list[Problem], root: Path) -> list[Problem]:
    """The same problems with file paths relative to the project root, for display."""
    out = []
    for p in problems:
        try:
            file = str(Path(p.file).resolve().relative_to(root.resolve()))
        except (ValueError, OSError):
            file = p.file
        out.append(Problem(file, p.message, p.row, p.column))
    return out
