"""The codebook (``params/codebook.yaml``): labels, scales, missing codes, PII flags.

It says, for every raw variable of every source, what a valid value is and
how a variable that identifies a person is treated. ``validate`` checks raw
frames against it, ``clean`` recodes with it, ``report`` labels with it.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import Field, ValidationError

from mwsn.config import Bilingual, Strict, validation_problems, read_yaml
from mwsn.errors import InputError, Problem

VariableType = Literal[
    "id", "text", "free_text", "category", "multi", "likert", "number", "date", "datetime",
    "boolean"
]


class Level(Strict):
    code: int
    en: str
    fr: str


class MissingAnswer(Strict):
    en: str
    fr: str
    reason: str


class Scale(Strict):
    """An ordered Likert scale and the answers that are not opinions."""

    label: Bilingual
    levels: list[Level] = Field(min_length=2)
    top_box: int = Field(default=2, ge=1)
    missing: list[MissingAnswer] = Field(default_factory=list)
    refused: list[MissingAnswer] = Field(default_factory=list)

    def labels(self, lang: str = "en") -> list[str]:
        return [getattr(level, lang) for level in self.levels]

    @cached_property
    def _lookup(self) -> dict[str, tuple[int | None, str | None]]:
        """Answer text (EN or FR, any case) or numeric code → (level code, missing reason)."""
        table: dict[str, tuple[int | None, str | None]] = {}
        for level in self.levels:
            for key in (level.en, level.fr, str(level.code)):
                table[key.casefold().strip()] = (level.code, None)
        for answer in [*self.missing, *self.refused]:
            for key in (answer.en, answer.fr, answer.reason):  # reason: an XLSForm choice name
                table[key.casefold().strip()] = (None, answer.reason)
        return table

    def parse(self, answer: str) -> tuple[int | None, str | None] | None:
        """``(code, None)`` for an opinion, ``(None, reason)`` for a missing code,
        ``None`` when the answer is not on the scale."""
        return self._lookup.get(str(answer).casefold().strip())

    @property
    def agree_codes(self) -> list[int]:
        return [level.code for level in self.levels[-self.top_box:]]


class Category(Strict):
    code: str
    en: str
    fr: str


class Variable(Strict):
    name: str
    raw: str | None = None
    type: VariableType
    label: Bilingual
    required: bool = False
    scale: str | None = None
    values: str | None = None
    range: tuple[float, float] | None = None
    pii: Literal["drop", "pseudonymize", "scrub"] | None = None
    #: this column holds people's names: scrub them from every free-text field
    names: bool = False
    #: skip pattern: the question is shown only when this XLSForm expression holds
    #: (e.g. ``${stakeholder_group} = 'migrant_worker'``); a blank answer is then
    #: *not asked*, and ``required`` applies only where it was asked
    asked_if: str | None = None

    @property
    def raw_name(self) -> str:
        return self.raw or self.name


class SourceSpec(Strict):
    label: Bilingual
    variables: list[Variable]
    respondent: str | None = None
    timestamp: str | None = None
    complete: str | None = None
    consent: str | None = None
    #: the variables that identify one record: the same record twice with different
    #: answers is an error (the same person answering twice is resolved by cleaning)
    record: list[str] = Field(default_factory=list)

    def variable(self, name: str) -> Variable:
        for var in self.variables:
            if var.name == name:
                return var
        raise KeyError(name)


class Codebook(Strict):
    scales: dict[str, Scale]
    categories: dict[str, list[Category]]
    sources: dict[str, SourceSpec]

    def category_codes(self, name: str) -> list[str]:
        return [c.code for c in self.categories[name]]

    def category_label(self, name: str, code: str, lang: str) -> str:
        for category in self.categories[name]:
            if category.code == code:
                return getattr(category, lang)
        return code

    def parse_category(self, name: str, value: str) -> str | None:
        """Code for a raw category answer given as its code or its EN/FR label."""
        key = str(value).casefold().strip()
        for category in self.categories[name]:
            if key in (category.code.casefold(), category.en.casefold(), category.fr.casefold()):
                return category.code
        return None


# -- what a valid value is, for a whole column at once ---------------------------------------

TRUE = frozenset({"true", "1", "yes", "y", "oui", "vrai"})
FALSE = frozenset({"false", "0", "no", "n", "non", "faux"})


def _text(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip()


def per_category(values: pd.Series, parse) -> pd.Series | None:
    """``parse`` applied to a categorical column's categories only, then spread to its rows
    (None if ``values`` is not categorical)."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return None
    parsed = parse(pd.Series(values.cat.categories))
    out = pd.api.extensions.take(parsed.array, values.cat.codes.to_numpy(), allow_fill=True)
    return pd.Series(out, index=values.index)


def parse_numbers(values: pd.Series) -> pd.Series:
    """Numbers written as text → floats (NaN where not a number).

    Thousands separators are understood: ``1,234.5``, ``1 234,5`` (space,
    no-break or narrow no-break space), ``1.234,5``; a lone decimal comma
    (``2,5``) is a decimal. Blank stays NaN.
    """
    if (spread := per_category(values, parse_numbers)) is not None:
        return spread.astype("float64")
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    text = _text(values).str.replace(r"[\s\u00a0\u202f']", "", regex=True)
    grouped = text.str.fullmatch(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?").fillna(False)
    european = ~grouped & (text.str.fullmatch(r"[-+]?\d{1,3}(?:\.\d{3})+,\d+")
                           | text.str.fullmatch(r"[-+]?\d+,\d+")).fillna(False)
    if grouped.any():
        text = text.mask(grouped, text.str.replace(",", "", regex=False))
    if european.any():
        text = text.mask(european, text.str.replace(".", "", regex=False)
                         .str.replace(",", ".", regex=False))
    return pd.to_numeric(text.replace("", pd.NA), errors="coerce").astype("float64")


#: date formats tried first, in C (pyarrow), before pandas' slower guessing
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%Y-%m-%d %H:%M")


def parse_datetimes(values: pd.Series) -> pd.Series:
    """Dates or date-times written as text → timestamps (NaT where not a date)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    if (spread := per_category(values, parse_datetimes)) is not None:
        return spread.astype("datetime64[us]")
    text = _text(values).replace("", pd.NA)
    arrow = pa.array(text.array, type=pa.string()) if len(text) else pa.array([], pa.string())
    found = pa.nulls(len(arrow), pa.timestamp("us"))
    for fmt in DATE_FORMATS:
        parsed = pc.strptime(arrow, format=fmt, unit="us", error_is_null=True)
        found = pc.coalesce(found, parsed)
    out = pd.Series(found.to_numpy(zero_copy_only=False), index=values.index).astype(
        "datetime64[us]")
    rest = out.isna() & text.notna()
    if rest.any():
        out[rest] = pd.to_datetime(text[rest], errors="coerce", format="mixed").astype(
            "datetime64[us]")
    return out


def parse_booleans(values: pd.Series) -> pd.Series:
    """``True``/``False``, ``1``/``0``, ``yes``/``no`` (and French) → boolean (NA if neither)."""
    if (spread := per_category(values, parse_booleans)) is not None:
        return spread.astype("boolean")
    if pd.api.types.is_bool_dtype(values):
        return values.astype("boolean")
    if pd.api.types.is_numeric_dtype(values):
        values = values.astype("Int64").astype("string")
    text = _text(values).str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[text.isin(TRUE).fillna(False).to_numpy(dtype=bool)] = True
    out[text.isin(FALSE).fillna(False).to_numpy(dtype=bool)] = False
    return out


def likert_items(codebook: Codebook, source: str, scale: str | None = None) -> dict[str, list[int]]:
    """Likert variables of a source (optionally of one scale) → their top-box codes."""
    return {v.name: codebook.scales[v.scale].agree_codes
            for v in codebook.sources[source].variables
            if v.type == "likert" and (scale is None or v.scale == scale)}


def load_codebook(root: str | Path = ".") -> Codebook:
    path = Path(root) / "params" / "codebook.yaml"
    data = read_yaml(path)
    try:
        codebook = Codebook.model_validate(data)
    except ValidationError as exc:
        raise InputError(validation_problems(path, exc)) from None
    problems = []
    for source, spec in codebook.sources.items():
        for var in spec.variables:
            if var.type == "likert" and var.scale not in codebook.scales:
                problems.append(Problem(str(path), f"sources.{source}: variable {var.name!r} "
                                        f"uses unknown scale {var.scale!r}"))
            if var.type in ("category", "multi") and var.values not in codebook.categories:
                problems.append(Problem(str(path), f"sources.{source}: variable {var.name!r} "
                                        f"uses unknown category list {var.values!r}"))
        names = {var.name for var in spec.variables}
        for role in ("respondent", "timestamp", "complete", "consent"):
            if getattr(spec, role) and getattr(spec, role) not in names:
                problems.append(Problem(str(path), f"sources.{source}.{role}: "
                                        f"{getattr(spec, role)!r} is not one of its variables"))
        for name in spec.record:
            if name not in names:
                problems.append(Problem(str(path), f"sources.{source}.record: {name!r} is not "
                                        "one of its variables"))
    if problems:
        raise InputError(problems)
    return codebook
