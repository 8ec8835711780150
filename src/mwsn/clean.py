"""Pure cleaning functions: consent, duplicates, recoding, pseudonyms, PII scrubbing.

Frames in, frames out; nothing here touches the disk. What comes out of
:func:`clean_source` holds no column flagged as PII in the codebook: names and
addresses are dropped, the person identifier becomes a keyed-hash pseudonym,
and free text is scrubbed of e-mail addresses, URLs, Social Insurance Numbers,
phone numbers and the names found in the data's own name columns, each
replaced by a visible tag such as ``[EMAIL]``.

Every rule works on a column's distinct values (mapped back with
``pd.factorize``), so a million rows clean in seconds.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mwsn import hygiene, identifiers
from mwsn.codebook import (Codebook, SourceSpec, answer_text, arrow_blank, arrow_storage,
                           categories_in_use, parse_booleans, parse_datetimes, parse_numbers,
                           per_category)
from mwsn.ingest import FILE, ROW

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+"
                 r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|ca|gov|edu|info|io|ly)(?:/[^\s<>\"']*)?\b",
                 re.IGNORECASE)
# Social Insurance Number: nine digits, grouped 3-3-3 or not
SIN = re.compile(r"(?<![\w+.-])\d{3}[ -]?\d{3}[ -]?\d{3}(?![\w-])")
# a run of digits with phone punctuation; kept only if it has 7 to 15 digits (see _phone)
PHONE = re.compile(r"(?<![\w+])(?:\+|\b00)?\(?\d[\d\s().-]{5,}\d(?!\w)")
_NOT_PHONE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{4}\s*[-/]\s*\d{2,4}|\d{1,6}")
_DIGITS = re.compile(r"\d[\d\s().-]{5,}\d")  # anything a SIN or phone number could be
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
TAGS = ("[EMAIL]", "[URL]", "[SIN]", "[PHONE]", "[NAME]")
#: the sources notebook 01_clean writes, each as a table, even one a jurisdiction does not have
WRITTEN_SOURCES = ("survey", "excerpts", "funding", "meetings", "recommendations", "services")
#: the missing reason of every answer to a Likert item the instrument did not ask
NOT_COLLECTED = "not_collected"


@dataclass
class CleaningLog:
    """What cleaning did to one source, for the methods appendix."""

    source: str
    rows_in: int = 0
    declined_consent: int = 0
    duplicates_dropped: int = 0
    rows_out: int = 0
    dropped_columns: list[str] = field(default_factory=list)


def map_distinct(values: pd.Series, function, dtype=None, missing=None) -> pd.Series:
    """``function`` applied once per distinct value, spread back to every row.

    A missing value (NA) gets ``missing`` without calling ``function``. A
    categorical column costs one call per category it uses (its codes are read as they
    are, not factorized again).
    """
    codes, distinct, used = _distinct_codes(values)
    return _spread(_each(function, distinct, used, missing), codes, values.index, dtype,
                   missing)


def _distinct_codes(values: pd.Series, rows: np.ndarray | None = None
                    ) -> tuple[np.ndarray, list, np.ndarray | None]:
    """Per row (of ``rows``, positions; else every row), the position of its value among
    the column's distinct values (-1 where missing); those values; and which of them the
    rows hold (None: all). A categorical's codes are read as they are: its rows are never
    taken as a column, nor factorized again."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        codes = (codes if rows is None else codes[rows]).astype(np.intp)
        used = np.bincount(codes + 1, minlength=len(values.cat.categories) + 1)[1:] > 0
        return codes, values.cat.categories.tolist(), used
    codes, uniques = pd.factorize(values if rows is None else values.iloc[rows],
                                  use_na_sentinel=True)
    return codes, uniques.tolist() if hasattr(uniques, "tolist") else list(uniques), None


def _each(function, distinct: list, used: np.ndarray | None, missing=None) -> list:
    """``function`` of each distinct value the rows hold (``missing`` for the others)."""
    if used is None:
        return [function(v) for v in distinct]
    return [function(v) if held else missing for v, held in zip(distinct, used)]


def _spread(mapped: list, codes: np.ndarray, index, dtype=None, missing=None) -> pd.Series:
    """Per row, the entry of ``mapped`` its code points to (``missing`` for code -1)."""
    if dtype:  # index -1 (missing) takes the last entry
        return pd.Series(pd.array([*mapped, missing], dtype=dtype).take(codes), index=index,
                         dtype=dtype)
    table = np.empty(len(mapped) + 1, dtype=object)
    table[:-1] = mapped
    table[-1] = missing
    return pd.Series(table[codes], index=index)


def _answer(value) -> str:
    return answer_text(value).strip()


def _mac_key(key: bytes) -> bytes:
    # BLAKE2b takes keys of up to 64 bytes: a longer secret is hashed down to 32
    return key if len(key) <= 64 else hashlib.blake2b(key, digest_size=32).digest()


#: an identifier that is a whole number written as a double (1001.0, 1001,00): its digits
_WHOLE_ID_PATTERN = r"^([-+]?\d+)(?:\.0+|,0{1,2})$"
_WHOLE_ID = re.compile(_WHOLE_ID_PATTERN)


def pseudonymizer(key: bytes):
    """The keyed hash of one identifier: a function ``str -> "P-" + 16 hex digits``.

    BLAKE2b in its keyed mode (a message authentication code, RFC 7693), 8
    bytes shown as 16 hex digits: without the key nobody can recompute or
    reverse it. Chosen over HMAC-SHA256 for speed (one C call per person).
    The identifier is normalized first (surrounding space stripped, lower
    case, a whole number written as a double without its decimals), so
    ``Ana@Example.org `` and ``ana@example.org`` are one person, and so are
    participant ``1001`` and ``1001.0`` as a CSV saved from SPSS or Stata writes it.
    Every pseudonym of the project (survey, excerpts, service records) comes
    from here, so one person with one key links up across sources.
    """
    mac = _mac_key(key)
    blake2b = hashlib.blake2b

    def one(value: str) -> str:
        normalized = _WHOLE_ID.sub(r"\1", str(value).strip().lower()).encode("utf-8")
        return "P-" + blake2b(normalized, key=mac, digest_size=8).hexdigest()

    return one


def pseudonym(value: str, key: bytes) -> str:
    """Keyed hash of a normalized identifier: same person and key, same pseudonym
    (:func:`pseudonymizer`)."""
    return pseudonymizer(key)(value)


def _arrow_text(values: pd.Series):
    """A column's text as one Arrow ``large_string`` array (missing values null)."""
    import pyarrow as pa

    text = pa.array(values.astype("string").array)
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks() if text.num_chunks else pa.array([], pa.large_string())
    return text.cast(pa.large_string())


def _distinct(values: pd.Series):
    """Per row, the position of its text among the distinct texts (-1 where missing), and
    those texts as an Arrow ``large_string`` array (in order of first appearance), found by
    Arrow's hash table (``pd.factorize`` of Arrow text does more around it)."""
    return _encoded(_arrow_text(values))


def _encoded(text):
    """:func:`_distinct` of a text already made an Arrow array."""
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(text)
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.intp)
    return codes, encoded.dictionary


#: rows whose distinct values decide whether :func:`pseudonyms` hashes distinct values or rows
REPEATS_SAMPLE = 10_000


def _mostly_distinct(text) -> bool:
    """Whether the first :data:`REPEATS_SAMPLE` texts are mostly distinct (a record ID, one
    e-mail per person): finding the distinct values would cost more than the hashes saved."""
    import pyarrow.compute as pc

    sample = text.slice(0, REPEATS_SAMPLE)
    return pc.count_distinct(sample, mode="all").as_py() > len(sample) // 2


#: the ASCII characters Python's ``str.strip`` removes (tab, line feed, vertical tab, form
#: feed, carriage return, the separators 0x1c-0x1f, space); Arrow's whitespace trim keeps
#: the separators
ASCII_SPACE = "".join(chr(c) for c in range(128) if chr(c).isspace())
#: distinct identifiers hashed at a time by :func:`pseudonyms` (bounds its Python objects)
PSEUDONYM_BATCH = 1 << 16


def pseudonyms(values: pd.Series, key: bytes) -> pd.Series:
    """:func:`pseudonym` of every value, computed once per distinct value (once per row for
    a column of mostly distinct values, the same pseudonyms at less cost).

    The identifiers are normalized as :func:`pseudonymizer` does (``str.strip``,
    ``str.lower``): by Arrow for ASCII text (trimming the characters Python's ``str.strip``
    removes, :data:`ASCII_SPACE`; Arrow's lower case is Python's there), in Python for any
    other; then one keyed BLAKE2b hash per distinct value, each from a copy of the hash
    that has taken in the key (the key's block, the same for every value, is compressed
    once: the same digests, a fifth less time). The texts shown (``P-`` and 16 hex
    digits, 18 bytes each) are laid out in one buffer.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    keyed = hashlib.blake2b(key=_mac_key(key), digest_size=8)

    def digest(text: bytes, copy=keyed.copy) -> bytes:
        hashed = copy()
        hashed.update(text)
        return hashed.digest()

    texts = _arrow_text(values)
    codes = None
    if not _mostly_distinct(texts):
        codes, texts = _encoded(texts)
    digests = bytearray()
    for start in range(0, len(texts), PSEUDONYM_BATCH):  # a batch's Python objects at a time
        batch = pc.fill_null(texts.slice(start, PSEUDONYM_BATCH), "")  # a missing one: masked
        ascii_ = pc.string_is_ascii(batch)
        normalized = pc.replace_substring_regex(
            pc.ascii_lower(pc.ascii_trim(batch, ASCII_SPACE)), _WHOLE_ID_PATTERN, r"\1").cast(
            pa.large_binary()).to_pylist()
        others = np.flatnonzero(~ascii_.to_numpy(zero_copy_only=False))
        for i, text in zip(others.tolist(), batch.take(others).to_pylist()):
            normalized[i] = _WHOLE_ID.sub(r"\1", text.strip().lower()).encode("utf-8")
        digests += b"".join(map(digest, normalized))
    # 8 bytes per value, shown as "P-" and 16 hex digits: 18 bytes a value, side by side
    digits = np.frombuffer(digests.hex().encode("ascii"), dtype=np.uint8).reshape(-1, 16)
    del digests
    laid = np.empty((len(digits), 18), dtype=np.uint8)
    laid[:, :2] = np.frombuffer(b"P-", dtype=np.uint8)
    laid[:, 2:] = digits
    del digits
    ends = np.arange(0, laid.size + 1, 18, dtype=np.int64)
    shown = pa.Array.from_buffers(pa.large_string(), len(texts),
                                  [None, pa.py_buffer(ends), pa.py_buffer(laid)])
    del laid, ends
    if texts.null_count:  # row by row: a missing identifier has no pseudonym
        shown = pc.if_else(pc.is_valid(texts), shown, pa.scalar(None, pa.large_string()))
    table = pd.array(shown, dtype="string")  # pandas keeps Arrow text as large_string
    if codes is None:
        return pd.Series(table, index=values.index, dtype="string")
    return pd.Series(table.take(codes, allow_fill=True), index=values.index, dtype="string")


def _phone(match: re.Match) -> str:
    text = match.group()
    digits = sum(c.isdigit() for c in text)
    if not 7 <= digits <= 15 or _NOT_PHONE.fullmatch(text.strip()):
        return text
    return "[PHONE]"


def _names(text: str, names: frozenset[str], longest: int,
           starts: frozenset[str] | None = None) -> str:
    """Replace runs of words that form a known name (longest first) by ``[NAME]``.

    ``starts`` (the first words of the names) lets most words be passed over at once.
    """
    words = list(WORD.finditer(text))
    if starts is None:
        starts = frozenset(name.split()[0] for name in names)
    spans, i = [], 0
    while i < len(words):
        if words[i].group().casefold() not in starts:
            i += 1
            continue
        for n in range(min(longest, len(words) - i), 0, -1):
            run = words[i:i + n]
            if any(text[a.end():b.start()].strip() for a, b in zip(run, run[1:])):
                continue
            if " ".join(w.group() for w in run).casefold() in names:
                spans.append((run[0].start(), run[-1].end()))
                i += n
                break
        else:
            i += 1
    merged: list[list[int]] = []
    for start, end in spans:  # "Maria Santos" from a first- and a last-name column: one tag
        if merged and not text[merged[-1][1]:start].strip():
            merged[-1][1] = end
        else:
            merged.append([start, end])
    for start, end in reversed(merged):
        text = text[:start] + "[NAME]" + text[end:]
    return text


def scrub(text: str, names: set[str] | frozenset[str] = frozenset()) -> str:
    """Replace identifying content in free text by visible tags such as ``[EMAIL]``.

    E-mail addresses, URLs, Social Insurance Numbers, phone numbers (North
    American ``604-555-0142``, ``(778) 555-0142``, ``+1 604 555 0142`` and
    international ``+52 55 5555 0142``, ``+33 1 23 45 67 89``), and any of
    ``names`` (full names or name parts, any case).
    """
    if not isinstance(text, str) or not text:
        return text
    if "@" in text:
        text = EMAIL.sub("[EMAIL]", text)
    if "." in text:
        text = URL.sub("[URL]", text)
    if _DIGITS.search(text):
        text = SIN.sub("[SIN]", text)
        text = PHONE.sub(_phone, text)
    if names:
        folded = frozenset(n.casefold() for n in names)
        text = _names(text, folded, max(len(n.split()) for n in folded))
    # second, the maintained detector: Presidio with Canadian recognizers, names in any script
    return identifiers.scrub(text, identifiers.name_parts(names) if names else frozenset())


def _distinct_values(values: pd.Series) -> pd.Series:
    """The distinct values of a column, missing ones left out (a categorical's categories in
    use: its rows are never made into text)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = pd.Series(values.cat.categories[categories_in_use(values)])
    return pd.Series(pd.unique(values.dropna().astype("string")), dtype="string")


def known_names(frame: pd.DataFrame, spec: SourceSpec) -> set[str]:
    """Every full name and name part (3+ letters) found in the columns marked as names."""
    names: set[str] = set()
    for var in spec.variables:
        if var.names and var.name in frame.columns:
            for value in _distinct_values(frame[var.name]):
                value = " ".join(str(value).split())
                if value:
                    names.add(value)
                    names.update(part for part in value.split() if len(part) >= 3)
    return names


#: columns that hold organizations' names (employers, funding recipients, sub-grantees):
#: scrubbed from every source's free text like people's names
ORGANIZATION_COLUMNS = ("employer", "employer_name", "recipient", "sub_grantee", "organization")


def known_organizations(frame: pd.DataFrame) -> set[str]:
    """Every organization's name found in the :data:`ORGANIZATION_COLUMNS` of ``frame``."""
    found: set[str] = set()
    for column in ORGANIZATION_COLUMNS:
        if column in frame.columns:
            found.update(" ".join(str(v).split()) for v in frame[column].dropna().unique()
                         if str(v).strip())
    return found


def _scrub_column(values: pd.Series, names: frozenset[str],
                  employers: frozenset[str] = frozenset()) -> pd.Series:
    folded = frozenset(n.casefold() for n in names)
    longest = max((len(n.split()) for n in folded), default=1)
    starts = frozenset(name.split()[0] for name in folded)

    parts = identifiers.name_parts(names)

    def one(text):
        if not isinstance(text, str) or not text:
            return text
        text = scrub(text)
        text = _names(text, folded, longest, starts) if folded else text
        return identifiers.scrub(text, parts, employers)

    return map_distinct(values, one, dtype="string")


def _consenting(frame: pd.DataFrame, spec: SourceSpec, codebook: Codebook) -> np.ndarray:
    """Which rows answer yes to consent (every row, for a source without consent)."""
    if not spec.consent or spec.consent not in frame.columns:
        return np.ones(len(frame), dtype=bool)
    return map_distinct(frame[spec.consent],
                        lambda v: codebook.parse_category("consent", str(v)) == "yes",
                        dtype=bool, missing=False).to_numpy()


def drop_declined(frame: pd.DataFrame, spec: SourceSpec, codebook: Codebook):
    """Rows whose consent answer is yes; and how many were dropped."""
    if not spec.consent or spec.consent not in frame.columns:
        return frame, 0
    keep = _consenting(frame, spec, codebook)
    return frame[keep], int((~keep).sum())


def _latest_complete(frame: pd.DataFrame, spec: SourceSpec, when: pd.Series | None = None,
                     rows: np.ndarray | None = None) -> np.ndarray:
    """Which rows :func:`keep_latest_complete` keeps (it reads only the respondent, the
    completion flag, the timestamp, the record key and ``_row``), among ``rows``
    (positions; else every row: a whole column is read, then its rows taken); ``when``:
    their timestamps, if parsed already."""
    by_person = bool(spec.respondent and spec.timestamp and spec.respondent in frame.columns)
    keys = [k for k in spec.record if k in frame.columns]
    if keys and not by_person:  # one record's repeats are also one person's: kept once below
        records = frame[keys] if rows is None else frame[keys].iloc[rows]
        return ~records.duplicated(keep="first").to_numpy(dtype=bool)
    size = len(frame) if rows is None else len(rows)
    if not by_person:
        return np.ones(size, dtype=bool)

    def taken(values: np.ndarray) -> np.ndarray:
        return values if rows is None else values[rows]

    # a person's code: the same among the rows as in the whole column (only ties matter)
    person, _ = _distinct(frame[spec.respondent].astype("string").str.strip().str.lower())
    person = taken(person)
    complete = (taken(parse_booleans(frame[spec.complete]).fillna(False).to_numpy(dtype=bool))
                if spec.complete in frame.columns else np.ones(size, dtype=bool))
    if spec.timestamp in frame.columns:
        when = (taken(parse_datetimes(frame[spec.timestamp]).to_numpy(dtype="datetime64[us]"))
                if when is None else when.to_numpy(dtype="datetime64[us]"))
        when = np.where(np.isnat(when), np.iinfo(np.int64).min, when.astype(np.int64))
    else:  # declared absent: submissions are told apart by their order in the file
        when = np.zeros(size, dtype=np.int64)
    # sorted by person, then complete last, then latest last, then file order last
    order = np.lexsort((taken(frame[ROW].to_numpy()), when, complete, person))
    last = np.ones(len(order), dtype=bool)
    last[:-1] = person[order][1:] != person[order][:-1]
    keep = np.zeros(size, dtype=bool)
    keep[order[last]] = True
    return keep


def keep_latest_complete(frame: pd.DataFrame, spec: SourceSpec):
    """One record per record key, then one submission per respondent: the latest complete
    one (else the latest; without a timestamp column, the last in the file). Returns the
    frame and how many rows were dropped."""
    keep = _latest_complete(frame, spec)
    return frame[keep], int((~keep).sum())


def _rows_kept(frame: pd.DataFrame, spec: SourceSpec, codebook: Codebook
               ) -> tuple[np.ndarray, int, int]:
    """Positions of the rows :func:`drop_declined` then :func:`keep_latest_complete` keep,
    and how many each drops; the rows consenting are never taken as a frame (each column
    read is judged whole, then its rows taken)."""
    consenting = np.flatnonzero(_consenting(frame, spec, codebook))
    by_person = bool(spec.respondent and spec.timestamp and spec.respondent in frame.columns)
    # the timestamps parsed from the whole column: validation parsed that one already
    when = (parse_datetimes(frame[spec.timestamp]).iloc[consenting]
            if by_person and spec.timestamp in frame.columns else None)
    latest = _latest_complete(frame, spec, when, rows=consenting)
    return consenting[latest], len(frame) - len(consenting), int((~latest).sum())


def recode(frame: pd.DataFrame, spec: SourceSpec, codebook: Codebook,
           rows: np.ndarray | None = None) -> pd.DataFrame:
    """Typed columns in the codebook's terms.

    Likert answers become their ordered scale codes (``Int8``, 1 = the
    scale's first level) with ``<item>_missing`` giving the reason an answer
    is missing: the scale's own reasons (``dont_know``, ``not_applicable``,
    ``refused``) or ``not_asked`` for a blank; an item the export does not have
    is kept empty with the reason ``not_collected``, and any other optional variable it
    lacks (a sector, a ledger's workers reached) is kept empty too. Categories become their codes,
    select-multiple answers one boolean column per option, numbers floats
    (thousands separators understood), dates timestamps. ``rows`` (positions) recodes
    only those rows, each column taken as it is recoded (the rows kept are never
    copied whole).
    """
    index = frame.index if rows is None else frame.index[rows]
    out = pd.DataFrame(index=index)
    for var in spec.variables:
        if var.type == "likert" and var.name not in frame.columns:
            # an item the instrument did not ask: kept, empty, with its reason
            out[var.name] = pd.array([pd.NA] * len(index), dtype="Int8")
            out[f"{var.name}_missing"] = pd.array([NOT_COLLECTED] * len(index), dtype="string")
            continue
        if var.name not in frame.columns and var.pii != "drop" and not var.required:
            # an optional column the export lacks reads as one left blank: every step after
            # sees the table the codebook describes, and says "not collected" for it
            if (empty := _not_collected(var.type, len(index))) is not None:
                out[var.name] = pd.Series(empty, index=index)
            continue
        if var.name not in frame.columns or var.pii == "drop":
            continue
        column = frame[var.name]
        if var.type in ("date", "datetime"):  # the whole column: validation parsed it
            parsed = parse_datetimes(column)
            out[var.name] = parsed if rows is None else parsed.iloc[rows]
        elif var.type in ("likert", "category", "multi"):  # once per distinct answer
            codes, distinct, used = _distinct_codes(column, rows)
            if var.type == "likert":
                scale = codebook.scales[var.scale]

                def parse(value, scale=scale):
                    value = _answer(value)
                    return scale.parse(value) if value else (None, "not_asked")

                parsed = _each(parse, distinct, used, (None, "not_asked"))
                out[var.name] = _spread([p[0] for p in parsed], codes, index, "Int8")
                out[f"{var.name}_missing"] = _spread([p[1] for p in parsed], codes, index,
                                                     "string", missing="not_asked")
            elif var.type == "category":
                out[var.name] = _spread(_each(
                    lambda v, c=var.values: codebook.parse_category(c, _answer(v))
                    if _answer(v) else None, distinct, used), codes, index, "string")
            else:
                tokens = _each(lambda v, c=var.values: frozenset(
                    codebook.parse_category(c, t) for t in _answer(v).split()), distinct, used,
                    frozenset())
                for code in codebook.category_codes(var.values):
                    out[f"{var.name}_{code}"] = _spread([code in t for t in tokens], codes,
                                                        index, "boolean", missing=False)
        elif var.type == "number":
            out[var.name] = parse_numbers(column if rows is None else column.iloc[rows])
        elif var.type == "boolean":
            out[var.name] = parse_booleans(column if rows is None else column.iloc[rows]
                                           ).fillna(False).astype(bool)
        else:
            out[var.name] = _text_or_missing(column, rows)
    return out


def _not_collected(kind: str, rows: int):
    """The column of ``rows`` missing values that an optional variable of type ``kind``
    reads as when its export lacks it (None for a boolean or select-multiple: no answer
    stands for them)."""
    if kind in ("date", "datetime"):
        return np.full(rows, np.datetime64("NaT"), dtype="datetime64[us]")
    if kind == "number":
        return np.full(rows, np.nan)
    if kind in ("category", "text", "free_text", "id"):
        return pd.array([pd.NA] * rows, dtype="string")
    return None


def _text_or_missing(values: pd.Series, rows: np.ndarray | None = None) -> pd.Series:
    """A column (its ``rows``, positions; else every row) as text, blank text missing (a
    categorical's categories only, then spread). Arrow text is taken and judged by Arrow
    (blank: empty or all whitespace, as ``str.strip`` tells it), left as it is where
    nothing is blank."""
    text = arrow_storage(values)
    if text is None:
        values = values if rows is None else values.iloc[rows]
        if (spread := per_category(values, _text_or_missing)) is not None:
            return spread.astype("string")
        text = values.astype("string")
        return text.where(text.str.strip() != "", None)
    import pyarrow as pa
    import pyarrow.compute as pc

    if rows is not None:
        text = text.take(pa.array(rows))
    blank = arrow_blank(text)
    if pc.any(blank).as_py():
        text = pc.if_else(blank, pa.scalar(None, text.type), text)
    return pd.Series(pd.array(text, dtype="string"),
                     index=values.index if rows is None else values.index[rows])


def clean_source(frame: pd.DataFrame, name: str, spec: SourceSpec, codebook: Codebook,
                 key: bytes, names: set[str] | None = None,
                 employers: set[str] | None = None) -> tuple[pd.DataFrame, CleaningLog]:
    """Raw frame of one source → analysis-ready frame without identifying columns.

    ``names`` to scrub from free text default to those in this source's own
    name columns, and ``employers`` (organizations' names) to those in its own
    :data:`ORGANIZATION_COLUMNS`; :func:`clean_all` passes those of every source.
    """
    log = CleaningLog(name, rows_in=len(frame))
    names = frozenset(known_names(frame, spec) if names is None else names)
    employers = frozenset(known_organizations(frame) if employers is None else employers)
    log.dropped_columns = [v.name for v in spec.variables
                           if v.pii == "drop" and v.name in frame.columns]
    # only what the codebook keeps is carried through the row filters
    kept = {v.name for v in spec.variables if v.pii != "drop"} | {ROW}
    frame = frame[[c for c in frame.columns if c in kept]]
    kept_rows, log.declined_consent, log.duplicates_dropped = _rows_kept(frame, spec, codebook)
    out = recode(frame, spec, codebook, rows=kept_rows)
    for var in spec.variables:
        if var.name not in out.columns:
            continue
        if var.pii == "pseudonymize":
            out[var.name] = pseudonyms(out[var.name], key)
        elif var.pii == "scrub":
            out[var.name] = _scrub_column(out[var.name], names, employers)
    if spec.respondent and spec.respondent in out.columns:
        out = out.rename(columns={spec.respondent: "participant"})
    elif spec.respondent and spec.record and all(k in out.columns for k in spec.record):
        # no identifier of the person (declared absent): each record is one participant
        record = out[spec.record].astype("string").fillna("").agg("|".join, axis=1)
        out["participant"] = pseudonyms(record, key)
    for var in spec.variables:
        if var.name not in out.columns or var.name == "participant":
            continue
        if (var.type == "id" and var.pii is None and spec.respondent
                and var.name in (spec.record or [])):
            # an export's record ID (ResponseId, _uuid) leads back to the named export
            out[var.name] = pseudonyms(out[var.name].astype("string"), key)
        elif (var.type in ("date", "datetime")
              and pd.api.types.is_datetime64_any_dtype(out[var.name])):
            # the day is enough for any analysis; the time of day can single a person out
            # (a column of days may hold times too: a spreadsheet's date-time cell, a
            # 2018-07-18 23:30 written by hand; the day is the one written)
            out[var.name] = out[var.name].dt.normalize()
    for column in out.columns:  # no text reaches an output with a bidi control in it
        if ((out[column].dtype == object or pd.api.types.is_string_dtype(out[column]))
                and hygiene.has_bidi(out[column])):
            out[column] = map_distinct(out[column], hygiene.strip_bidi, dtype=out[column].dtype)
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
    """Clean every source; returns the cleaned tables and a log with one row per source.

    Names found in any source's name columns are scrubbed from every source's
    free text (an interview may name a survey respondent), and so are the
    organizations named in any source (an employer, a funding recipient, an
    organization reporting services). A source the jurisdiction does not have
    (not in its params) is an empty table with the codebook's columns, so that
    every later step reads it and says its evidence was not collected.

    The service records (``services``) come and go as a pyarrow Table
    (:func:`mwsn.services.clean_service_records`: the worker pseudonymized with
    the same key and function as the survey, ``record_id`` dropped).
    """
    from mwsn import services

    records = raw.get(services.SOURCE)
    raw = {name: frame for name, frame in raw.items() if name != services.SOURCE}
    names: set[str] = set()
    employers: set[str] = set()
    for name in raw:
        names |= known_names(raw[name], codebook.sources[name])
        employers |= known_organizations(raw[name])
    if records is not None:
        employers |= services.organizations(records)
    cleaned, logs = {}, []
    for name in sorted(raw):
        cleaned[name], log = clean_source(raw[name], name, codebook.sources[name], codebook, key,
                                          names, employers)
        logs.append({**log.__dict__, "dropped_columns": ", ".join(log.dropped_columns)})
    if services.SOURCE in codebook.sources:
        spec = codebook.sources[services.SOURCE]
        if records is not None:
            cleaned[services.SOURCE] = services.clean_service_records(records, spec, codebook,
                                                                      key)
            rows_out = cleaned[services.SOURCE].num_rows
            logs.append({**CleaningLog(services.SOURCE, rows_in=records.num_rows,
                                       duplicates_dropped=records.num_rows - rows_out,
                                       rows_out=rows_out).__dict__,
                         "dropped_columns": ", ".join(services.dropped_columns(records, spec))})
        else:
            cleaned[services.SOURCE] = services.empty_records(spec)
    for name in sorted(set(WRITTEN_SOURCES) & set(codebook.sources) - set(raw)
                       - {services.SOURCE}):
        spec = codebook.sources[name]
        empty = pd.DataFrame({ROW: pd.Series(dtype="int64"),
                              **{v.name: pd.Series(dtype="string") for v in spec.variables}})
        cleaned[name], _ = clean_source(empty, name, spec, codebook, key, names)
    logs.sort(key=lambda row: row["source"])
    return cleaned, pd.DataFrame(logs)


#: the cleaning log's counts of people dropped (a person who declined, a duplicate)
DROPPED = ("declined_consent", "duplicates_dropped")


def log_as_shown(log: pd.DataFrame, min_cell: int, ledger=None) -> pd.DataFrame:
    """The cleaning log as the default auditor bundle shows it.

    ``log``: one row per source (``source, rows_in, declined_consent,
    duplicates_dropped, rows_out, dropped_columns``), as :func:`clean_all` returns it.
    A count of people dropped between 1 and ``min_cell - 1`` is missing, and so is
    the source's ``rows_in`` (else ``rows_in - rows_out`` gives the dropped back);
    ``rows_out`` stays, as the report shows it. The survey's rows out are its
    respondents, the cell ``("participants", "all", "survey")`` of the disclosure pass
    ``ledger`` (:class:`mwsn.privacy.Ledger`): where the pass hides it (secondary
    suppression), the survey's ``rows_out`` and ``rows_in`` are missing too, else a
    statement's shown base subtracted from them gives its hidden no-opinion count back.
    Likewise the recommendations register's rows are the recommendations made
    (:data:`ROWS_CELLS`): the pass hides them where a score beside a hidden count would
    pin it ("not met" with 7 made: 1 acted on). Same columns, counts as ``Int64``.
    """
    out = log.copy()
    small = pd.Series(False, index=out.index)
    for column in [c for c in DROPPED if c in out.columns]:
        counts = pd.to_numeric(out[column], errors="coerce").astype("Int64")
        hidden = ((counts > 0) & (counts < min_cell)).fillna(False)
        out[column] = counts.mask(hidden)
        small |= hidden
    if "rows_in" in out.columns:
        out["rows_in"] = pd.to_numeric(out["rows_in"], errors="coerce").astype("Int64").mask(
            small)
    # a handful of service records is a count of services the report hides (it bounds the
    # workers served): neither its rows in nor out are shown
    if {"source", "rows_in", "rows_out"} <= set(out.columns):
        records = (out["source"] == "services").to_numpy()
        rows = pd.to_numeric(out["rows_out"], errors="coerce").astype("Int64")
        few = pd.Series(records, index=out.index) & ((rows > 0) & (rows < min_cell)).fillna(False)
        out["rows_out"] = rows.mask(few)
        out["rows_in"] = pd.to_numeric(out["rows_in"], errors="coerce").astype("Int64").mask(few)
    for source, cell in ROWS_CELLS.items():
        if (ledger is not None and cell in ledger.value and ledger.hidden(cell)
                and {"source", "rows_in", "rows_out"} <= set(out.columns)):
            rows = pd.Series((out["source"] == source).to_numpy(), index=out.index)
            for column in ("rows_in", "rows_out"):
                out[column] = pd.to_numeric(out[column], errors="coerce").astype(
                    "Int64").mask(rows)
    return out


#: the cell of the disclosure pass a source's rows out are: the survey's respondents, the
#: recommendations made
ROWS_CELLS = {"survey": ("participants", "all", "survey"),
              "recommendations": ("recommendations", "total", "count")}


def residual_identifiers(text: str) -> list[str]:
    """A second pass over already scrubbed text: what the detector still finds in it, and
    what it says of its speaker that could single them out within their group (a rare
    language, an age, "the only ...": :func:`mwsn.identifiers.quasi_identifiers`).

    Tags left by the first pass (``[NAME]``) are not findings. Used to keep an
    excerpt with anything identifying out of the quotes.
    """
    if not isinstance(text, str) or not text:
        return []
    return ([entity for _, _, entity in identifiers.find(text)]
            + identifiers.quasi_identifiers(text))
