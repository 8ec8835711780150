"""Pure cleaning functions: consent, duplicates, recoding, pseudonyms, PII scrubbing.

Frames in, frames out; nothing here touches the disk. What comes out of
:func:`clean_source` holds no column flagged as PII in the codebook: names and
addresses are dropped, the person identifier becomes a keyed-hash pseudonym,
and free text is scrubbed of e-mail addresses, phone numbers, Social
Insurance Numbers, URLs and the names found in the data's own name columns.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field

import pandas as pd

from mwsn.codebook import Codebook, SourceSpec
from mwsn.ingest import FILE, ROW

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
# North American (604-555-0142, (778) 555-0142, +1 604 555 0142) and international forms
PHONE = re.compile(r"(?<!\w)(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?|\d{2,4}[\s.-])"
                   r"\d{3,4}[\s.-]?\d{2,4}(?:[\s.-]?\d{2,4})?(?!\w)")
SIN = re.compile(r"\b\d{3}[\s-]?\d{3}[\s-]?\d{3}\b")


@dataclass
class CleaningLog:
    """What cleaning did to one source, for the methods appendix."""

    source: str
    rows_in: int = 0
    declined_consent: int = 0
    duplicates_dropped: int = 0
    rows_out: int = 0
    dropped_columns: list[str] = field(default_factory=list)


def pseudonym(value: str, key: bytes) -> str:
    """Keyed hash (HMAC-SHA256) of a normalized identifier: same person, same pseudonym."""
    normalized = str(value).strip().casefold().encode("utf-8")
    return "P-" + hmac.new(key, normalized, hashlib.sha256).hexdigest()[:12]


def scrub(text: str, names: set[str] | frozenset[str] = frozenset()) -> str:
    """Replace identifying content in free text by visible tags such as ``[EMAIL]``."""
    if not isinstance(text, str) or not text:
        return text
    text = EMAIL.sub("[EMAIL]", text)
    text = URL.sub("[URL]", text)
    text = SIN.sub("[SIN]", text)
    text = PHONE.sub("[PHONE]", text)
    for name in sorted(names, key=len, reverse=True):
        if len(name) >= 2:
            text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", "[NAME]", text,
                          flags=re.IGNORECASE)
    return text


def known_names(frame: pd.DataFrame, spec: SourceSpec) -> set[str]:
    """Every full name and name part found in the columns the codebook marks as names."""
    names: set[str] = set()
    for var in spec.variables:
        if var.names and var.name in frame.columns:
            for value in frame[var.name].dropna():
                value = str(value).strip()
                if value:
                    names.add(value)
                    names.update(part for part in value.split() if len(part) >= 3)
    return names


def drop_declined(frame: pd.DataFrame, spec: SourceSpec, codebook: Codebook):
    if not spec.consent or spec.consent not in frame.columns:
        return frame, 0
    keep = frame[spec.consent].map(lambda v: codebook.parse_category("consent", v) == "yes")
    return frame[keep], int((~keep).sum())


def keep_latest_complete(frame: pd.DataFrame, spec: SourceSpec):
    """One submission per respondent: the latest complete one (else the latest)."""
    if not spec.respondent or not spec.timestamp:
        return frame, 0
    key = frame[spec.respondent].str.strip().str.casefold()
    complete = (frame[spec.complete].str.strip().str.lower().isin({"true", "1", "yes"})
                if spec.complete else pd.Series(True, index=frame.index))
    when = pd.to_datetime(frame[spec.timestamp], errors="coerce")
    order = pd.DataFrame({"key": key, "complete": complete, "when": when, ROW: frame[ROW]})
    order = order.sort_values(["key", "complete", "when", ROW])
    kept = order.drop_duplicates("key", keep="last").index
    result = frame.loc[sorted(kept)]
    return result, len(frame) - len(result)


def recode(frame: pd.DataFrame, spec: SourceSpec, codebook: Codebook) -> pd.DataFrame:
    """Typed columns: Likert → ordered codes with ``<item>_missing`` reasons, categories → codes."""
    out = pd.DataFrame(index=frame.index)
    for var in spec.variables:
        if var.name not in frame.columns:
            continue
        raw = frame[var.name].fillna("").astype(str)
        blank = raw.str.strip() == ""
        if var.type == "likert":
            scale = codebook.scales[var.scale]
            parsed = raw.map(lambda v: scale.parse(v) if v.strip() else (None, "not_asked"))
            out[var.name] = pd.array([p[0] for p in parsed], dtype="Int8")
            out[f"{var.name}_missing"] = pd.array([p[1] for p in parsed], dtype="string")
        elif var.type == "category":
            out[var.name] = pd.array(
                [None if b else codebook.parse_category(var.values, v) for v, b in
                 zip(raw, blank)], dtype="string")
        elif var.type == "number":
            cleaned = raw.str.replace(r"[,\s\u00a0]", "", regex=True)
            out[var.name] = pd.to_numeric(cleaned.where(~blank), errors="coerce")
        elif var.type in ("date", "datetime"):
            out[var.name] = pd.to_datetime(raw.where(~blank), errors="coerce")
        elif var.type == "boolean":
            out[var.name] = raw.str.strip().str.lower().isin({"true", "1", "yes", "y"})
        else:
            out[var.name] = pd.array(raw.where(~blank, None), dtype="string")
    return out


def clean_source(frame: pd.DataFrame, name: str, spec: SourceSpec, codebook: Codebook,
                 key: bytes) -> tuple[pd.DataFrame, CleaningLog]:
    """Raw frame of one source → analysis-ready frame without identifying columns."""
    log = CleaningLog(name, rows_in=len(frame))
    names = known_names(frame, spec)
    frame, log.declined_consent = drop_declined(frame, spec, codebook)
    frame, log.duplicates_dropped = keep_latest_complete(frame, spec)
    out = recode(frame, spec, codebook)
    for var in spec.variables:
        if var.name not in out.columns:
            continue
        if var.pii == "drop":
            out = out.drop(columns=var.name)
            log.dropped_columns.append(var.name)
        elif var.pii == "pseudonymize":
            out[var.name] = pd.array([None if pd.isna(v) else pseudonym(v, key)
                                      for v in out[var.name]], dtype="string")
        elif var.pii == "scrub":
            out[var.name] = pd.array([None if pd.isna(v) else scrub(v, names)
                                      for v in out[var.name]], dtype="string")
    if spec.respondent and spec.respondent in out.columns:
        out = out.rename(columns={spec.respondent: "participant"})
    out = out.drop(columns=[c for c in (FILE, ROW) if c in out.columns])
    log.rows_out = len(out)
    return out.reset_index(drop=True), log


def participants(cleaned: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Distinct stakeholders who took part, by stakeholder group and line of evidence."""
    parts = []
    if "survey" in cleaned:
        s = cleaned["survey"]
        parts.append(pd.DataFrame({"participant": s["participant"],
                                   "stakeholder_group": s["stakeholder_group"],
                                   "line_of_evidence": "survey"}))
    if "excerpts" in cleaned:
        e = cleaned["excerpts"]
        parts.append(e[["participant", "stakeholder_group", "line_of_evidence"]])
    if not parts:
        return pd.DataFrame(columns=["participant", "stakeholder_group", "line_of_evidence"])
    table = pd.concat(parts, ignore_index=True).drop_duplicates()
    return table.sort_values(["line_of_evidence", "stakeholder_group", "participant"],
                             ignore_index=True).astype("string")


def clean_all(raw: dict[str, pd.DataFrame], codebook: Codebook,
              key: bytes) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Clean every source; returns the cleaned tables and a log with one row per source."""
    cleaned, logs = {}, []
    for name in sorted(raw):
        cleaned[name], log = clean_source(raw[name], name, codebook.sources[name], codebook, key)
        logs.append({**log.__dict__, "dropped_columns": ", ".join(log.dropped_columns)})
    return cleaned, pd.DataFrame(logs)
