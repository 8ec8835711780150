"""Codebook from an instrument: XLSForm, REDCap data dictionary, SPSS/Stata value labels.

``mwsn codebook import FILE --source survey`` reads an instrument's own
definition and drafts two things for the evaluator to review:

- the codebook with the source's section rebuilt from the instrument
  (``drafts/codebook.yaml``): each question keeps the codebook's definition
  when the codebook already knows it (same name, raw name or English label),
  and is otherwise added as an extra variable (never dropped) with its labels
  (EN/FR), type, choice list, ``required`` and skip pattern (``asked_if``);
- the params mapping (``drafts/<source>.params.yaml``): the source's ``file``,
  ``format``, ``columns`` (the export's names → the codebook's names) and ``absent``
  (the codebook's variables this instrument does not collect, kept in the codebook).

The evaluator then marks the identifying columns (``pii``) and checks the Likert
scales: a choice list is read as a Likert scale only when it has the levels of a
scale the codebook already holds.

XLSForms are parsed by pyxform (the library ODK and KoboToolbox use), so every
form it accepts is read the way those tools read it. REDCap dictionaries are
CSV files with a fixed header (REDCap's "Data Dictionary" download). SPSS and
Stata files are read for their metadata only (pyreadstat): variable labels and
value labels.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from mwsn.errors import InputError, MwsnError, Problem

#: codebook variable types an instrument's question types become
XLSFORM_TYPES = {
    "select one": "category", "select all that apply": "multi", "integer": "number",
    "decimal": "number", "range": "number", "text": "free_text", "date": "date",
    "dateTime": "datetime", "datetime": "datetime", "time": "text", "start": "datetime", "end": "datetime",
    "today": "date", "calculate": "text", "acknowledge": "boolean", "rank": "multi",
}
#: XLSForm question types that hold no answer
XLSFORM_SKIPPED = {"note", "group", "repeat", "begin group", "end group", "deviceid",
                   "username", "phonenumber", "simserial", "subscriberid", "audit",
                   "start-geopoint", "background-audio"}
#: answers that locate or show a person: kept out of the processed data (``pii: drop``)
XLSFORM_IDENTIFYING = {"geopoint", "geotrace", "geoshape", "photo", "image", "audio", "video",
                       "file", "background-audio"}
REDCAP_TYPES = {"radio": "category", "dropdown": "category", "checkbox": "multi",
                "yesno": "category", "truefalse": "category", "notes": "free_text",
                "text": "free_text", "slider": "number", "calc": "number"}
REDCAP_VALIDATION = {"date_ymd": "date", "date_mdy": "date", "date_dmy": "date",
                     "datetime_ymd": "datetime", "datetime_seconds_ymd": "datetime",
                     "number": "number", "integer": "number", "email": "text", "phone": "text"}
REDCAP_FIXED = {"yesno": [("1", "Yes", "Oui"), ("0", "No", "Non")],
                "truefalse": [("1", "True", "Vrai"), ("0", "False", "Faux")]}
REDCAP_HEADER = ("Variable / Field Name", "Form Name", "Field Type", "Field Label")


@dataclass
class Choice:
    code: str
    en: str
    fr: str | None = None


@dataclass
class Question:
    """One item of an instrument, whatever its format."""

    name: str
    type: str
    en: str
    fr: str | None = None
    values: str | None = None
    required: bool = False
    asked_if: str | None = None
    pii: str | None = None
    #: the column name in the export when it differs from ``name``
    column: str | None = None
    range: tuple[float, float] | None = None


@dataclass
class Instrument:
    """Questions and choice lists read from one instrument definition."""

    file: str
    format: str
    questions: list[Question] = field(default_factory=list)
    choices: dict[str, list[Choice]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: the language of ``Question.en`` and ``Choice.en`` when the file says none (SPSS,
    #: Stata): ``fr`` when its labels are French (see :func:`label_language`)
    language: str = "en"


# -- reading each format ---------------------------------------------------------------------

def _language(key: str, default: str | None) -> str | None:
    """``en``/``fr`` for an XLSForm language key such as ``English (en)`` or ``français``."""
    if key == "default":
        key = default or "English"
    text = key.casefold().strip()
    if match := re.search(r"\((\w\w)\)", text):
        return match.group(1) if match.group(1) in ("en", "fr") else None
    if text in ("en", "anglais") or text.startswith("english"):
        return "en"
    if text == "fr" or text.startswith(("french", "français", "francais")):
        return "fr"
    return None


def _labels(value, default_language: str | None) -> tuple[str, str | None]:
    """(English label, French label or None) of an XLSForm label (text or per language)."""
    if value is None:
        return "", None
    if isinstance(value, str):
        return value, None
    found = {}
    for key, text in value.items():
        lang = _language(key, default_language)
        if lang and text:
            found.setdefault(lang, str(text))
    english = found.get("en") or next((str(t) for t in value.values() if t), "")
    return english, found.get("fr")


def _yes(value) -> bool:
    return str(value or "").strip().casefold() in ("yes", "true", "true()", "1", "y")


def read_xlsform(path: Path) -> Instrument:
    """An XLSForm (``.xlsx``/``.xls``/``.csv``/``.md``), parsed by pyxform."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import parse_file_to_json

    try:
        form = parse_file_to_json(str(path))
    except PyXFormError as exc:
        raise InputError(Problem(str(path), f"not a valid XLSForm: {exc}")) from None
    default = form.get("default_language")
    instrument = Instrument(str(path), "kobo")
    for list_name, choices in (form.get("choices") or {}).items():
        instrument.choices[list_name] = [
            Choice(str(c["name"]), *_labels(c.get("label"), default)) for c in choices]
    _walk_xlsform(form.get("children", []), instrument, default, conditions=[])
    return instrument


def _walk_xlsform(children: list[dict], instrument: Instrument, default: str | None,
                  conditions: list[str]) -> None:
    for item in children:
        kind, name = item.get("type"), item.get("name")
        bind = item.get("bind") or {}
        relevant = bind.get("relevant")
        if kind == "group" and name == "meta":
            continue
        if kind == "group":
            _walk_xlsform(item.get("children", []), instrument, default,
                          conditions + ([relevant] if relevant else []))
            continue
        if kind == "repeat":
            instrument.notes.append(
                f"repeat group '{name}' ({len(item.get('children', []))} items): its answers come "
                "in a separate table of the export, one row per repetition; not in this source")
            continue
        if kind in XLSFORM_SKIPPED:
            continue
        hints = item.get("codebook") or {}
        pii = hints.get("pii") or None
        if kind in XLSFORM_IDENTIFYING:
            instrument.notes.append(f"question '{name}' ({kind}) identifies a person: kept as "
                                    "text with pii: drop")
            pii = "drop"
        elif kind not in XLSFORM_TYPES:
            instrument.notes.append(f"question '{name}' of type '{kind}' is kept as text")
        english, french = _labels(item.get("label"), default)
        values = item.get("list_name") or item.get("itemset")
        question = Question(
            name=name, type=hints.get("type") or XLSFORM_TYPES.get(kind, "text"),
            en=english or name, fr=french, values=values if kind in (
                "select one", "select all that apply", "rank") else None,
            required=_yes(bind.get("required")),
            asked_if=_conjunction(conditions + ([relevant] if relevant else [])),
            pii=pii)
        if question.type == "free_text" and not pii:
            question.pii = "scrub"  # open answers may name people: scrubbed until reviewed
        if values and values not in instrument.choices and item.get("choices"):
            instrument.choices[values] = [
                Choice(str(c["name"]), *_labels(c.get("label"), default))
                for c in item["choices"]]
        instrument.questions.append(question)


def _conjunction(conditions: list[str]) -> str | None:
    conditions = [c.strip() for c in conditions if c and c.strip()]
    if not conditions:
        return None
    if len(conditions) == 1:
        return conditions[0]
    return " and ".join(f"({c})" for c in conditions)


def redcap_condition(logic: str) -> str:
    """REDCap branching logic as an XLSForm expression.

    ``[sex] = "0" and [given_birth] = "1"`` → ``${sex} = '0' and ${given_birth} = '1'``;
    a checkbox option ``[meds(2)] = "1"`` → ``selected(${meds}, '2')``; ``<>`` → ``!=``.
    """
    text = re.sub(r"\[(\w+)\((\w+)\)\]\s*=\s*['\"]1['\"]", r"selected(${\1}, '\2')", logic)
    text = re.sub(r"\[(\w+)\]", r"${\1}", text)
    text = re.sub(r'"([^"]*)"', r"'\1'", text)
    return text.replace("<>", "!=").strip()


def _redcap_choices(text: str) -> list[Choice]:
    choices = []
    for part in (text or "").split("|"):
        code, _, label = part.strip().partition(",")
        if code.strip():
            choices.append(Choice(code.strip(), label.strip() or code.strip()))
    return choices


def read_redcap(path: Path) -> Instrument:
    """A REDCap data dictionary (CSV as REDCap's "Data Dictionary" page downloads it)."""
    from mwsn import ingest

    data, encoding, _ = ingest.open_text(path)
    rows = list(csv.reader(data.decode(encoding).splitlines()))
    header = [h.strip() for h in rows[0]] if rows else []
    missing = [h for h in REDCAP_HEADER if h not in header]
    if missing:
        raise InputError(Problem(str(path), "not a REDCap data dictionary: missing column(s) "
                                 + ", ".join(repr(m) for m in missing), row=1))
    col = {name: header.index(name) for name in header}

    def cell(row, name):
        i = col.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    instrument = Instrument(str(path), "redcap")
    forms: list[str] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        name, kind = cell(row, "Variable / Field Name"), cell(row, "Field Type")
        if (form := cell(row, "Form Name")) and form not in forms:
            forms.append(form)
        if kind in ("descriptive", "file", "sql"):
            continue
        validation = cell(row, "Text Validation Type OR Show Slider Number")
        vartype = REDCAP_VALIDATION.get(validation) if kind == "text" else None
        vartype = vartype or REDCAP_TYPES.get(kind)
        if vartype is None:
            instrument.notes.append(f"row {number}: field '{name}' of type '{kind}' is kept as "
                                    "text")
            vartype = "text"
        values = None
        if kind in ("radio", "dropdown", "checkbox", "yesno", "truefalse"):
            values = f"{name}_choices" if kind not in REDCAP_FIXED else kind
            if kind in REDCAP_FIXED:
                instrument.choices[kind] = [Choice(*c) for c in REDCAP_FIXED[kind]]
            else:
                instrument.choices[values] = _redcap_choices(
                    cell(row, "Choices, Calculations, OR Slider Labels"))
        low, high = (cell(row, "Text Validation Min"), cell(row, "Text Validation Max"))
        bounds = None
        if vartype == "number" and low and high:
            try:
                bounds = (float(low), float(high))
            except ValueError:
                bounds = None
        logic = cell(row, "Branching Logic (Show field only if...)")
        question = Question(
            name=name, type=vartype, en=_plain(cell(row, "Field Label")) or name, values=values,
            required=_yes(cell(row, "Required Field?")),
            asked_if=redcap_condition(logic) if logic else None,
            pii="drop" if _yes(cell(row, "Identifier?")) else None, range=bounds)
        if vartype == "free_text" and question.pii is None:
            question.pii = "scrub"
        if kind == "checkbox":
            instrument.notes.append(f"checkbox '{name}': REDCap exports one 0/1 column per "
                                    f"option ({name}___<code>)")
        instrument.questions.append(question)
    if forms:
        instrument.notes.append(
            "REDCap exports each instrument's status, which is in no dictionary: "
            + ", ".join(f"{f}_complete" for f in forms[:6]) + (", ..." if len(forms) > 6 else "")
            + " (0 incomplete, 1 unverified, 2 complete), and a survey's <form>_timestamp: map "
            "the survey's in the params' `columns` (<form>_complete: Finished, "
            "<form>_timestamp: RecordedDate) with `values: {Finished: {2: true, 0: false, "
            "1: false}, RecordedDate: {'[not completed]': ''}}` and take them out of `absent` "
            "(declared absent, every response counts as complete)")
    return instrument


def _plain(label: str) -> str:
    """A REDCap label without its HTML markup."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", label)).strip()


def read_value_labels(path: Path) -> Instrument:
    """Variable labels and value labels of an SPSS (``.sav``/``.zsav``) or Stata file."""
    import pyreadstat

    reader = pyreadstat.read_dta if path.suffix.lower() == ".dta" else pyreadstat.read_sav
    try:
        _, meta = reader(str(path), metadataonly=True)
    except Exception as exc:  # pyreadstat raises its own ReadstatError and OSError
        raise InputError(Problem(str(path), f"cannot read its value labels: {exc}")) from None
    instrument = Instrument(str(path), "stata" if path.suffix.lower() == ".dta" else "spss")
    labels = dict(zip(meta.column_names, meta.column_labels or []))
    for name in meta.column_names:
        label_set = meta.variable_to_label.get(name)
        kind = meta.readstat_variable_types.get(name, "string")
        fmt = (meta.original_variable_types or {}).get(name, "") or ""
        if label_set:
            vartype, values = "category", label_set
            if label_set not in instrument.choices:
                instrument.choices[label_set] = [
                    Choice(_code(code), str(text))
                    for code, text in meta.value_labels[label_set].items()]
        elif "DATETIME" in fmt.upper() or fmt.startswith("%tc"):
            vartype, values = "datetime", None
        elif fmt.upper().startswith(("DATE", "ADATE", "EDATE", "SDATE")) or fmt.startswith("%td"):
            vartype, values = "date", None
        elif kind == "string":
            vartype, values = "free_text", None
        else:
            vartype, values = "number", None
        question = Question(name=name, type=vartype, en=labels.get(name) or name, values=values)
        if vartype == "free_text":
            question.pii = "scrub"
        instrument.questions.append(question)
    return instrument


def _code(value) -> str:
    """A value label's code as text: ``1.0`` → ``1``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


READERS = {"xlsform": read_xlsform, "redcap": read_redcap, "spss": read_value_labels,
           "stata": read_value_labels}


def detect(path: Path) -> str:
    """Which kind of instrument a file is, from its name and first line."""
    suffix = path.suffix.lower()
    if suffix in (".sav", ".zsav", ".por"):
        return "spss"
    if suffix == ".dta":
        return "stata"
    if suffix in (".xlsx", ".xls", ".md"):
        return "xlsform"
    if suffix == ".csv":
        with open(path, "rb") as handle:
            first = handle.readline().decode("utf-8-sig", errors="replace")
        return "redcap" if "Variable / Field Name" in first else "xlsform"
    raise InputError(Problem(str(path), "unknown instrument file: give an XLSForm (.xlsx), a "
                             "REDCap data dictionary (.csv), or an SPSS (.sav) or Stata (.dta) "
                             "file"))


def read_instrument(path: Path, kind: str | None = None) -> Instrument:
    """Read ``path`` (an XLSForm, REDCap dictionary or SPSS/Stata file) into questions."""
    path = Path(path)
    if not path.is_file():
        raise InputError(Problem(str(path), "file not found"))
    return READERS[kind or detect(path)](path)


# -- drafting the codebook -------------------------------------------------------------------

@dataclass
class Draft:
    """What an import proposes: a whole codebook (as YAML data) and the source's params."""

    codebook: dict
    params: dict
    matched: dict[str, str]
    added: list[str]
    untranslated: list[str]
    notes: list[str]
    #: the language of the instrument's labels: ``untranslated`` lack the other one
    language: str = "en"


def _same_levels(choices: list[Choice], scale: dict, by_label: bool = False) -> bool:
    """Whether a choice list is this scale: its levels (codes and English, or French,
    labels; ``by_label``: labels only, a form naming its choices ``agree``) in order, then
    only the scale's non-opinion answers (by reason or label)."""
    from mwsn.codebook import normalize_answer as norm

    found = [(None if by_label else c.code, norm(c.en)) for c in choices]
    others = [*scale.get("missing", []), *scale.get("refused", [])]
    for lang in ("en", "fr"):
        levels = [(None if by_label else str(level["code"]), norm(level[lang]))
                  for level in scale["levels"]]
        words = {a["reason"] for a in others} | {norm(a[lang]) for a in others}
        if found[:len(levels)] == levels and all(
                code in words or label in words
                for (_, label), code in zip(found[len(levels):],
                                            [c.code for c in choices[len(levels):]])):
            return True
    return False


def _non_opinion_codes(choices: list[Choice], scale: dict, format: str) -> dict[str, str]:
    """A scale's choices whose code the export writes in place of a code or label the
    codebook knows: a non-opinion answer's (``98`` for "Don't know", as a form's choices
    often code it), and each level's where the levels are named otherwise than by the
    scale's codes (``strongly_disagree``...): code → the scale's English label, for the
    params' ``values:``. Empty when the choices are not the scale's, or need no recoding,
    or the instrument is an SPSS/Stata file (its reader gives the labels)."""
    from mwsn.codebook import normalize_answer as norm

    if not scale or format in ("spss", "stata"):
        return {}
    out = {}
    if not _same_levels(choices, scale):
        if not _same_levels(choices, scale, by_label=True):
            return {}
        # the levels named otherwise than by the scale's codes (strongly_disagree ...):
        # each choice's name is recoded to its level's label
        for c, level in zip(choices, scale["levels"]):
            out[c.code] = level["en"]
    known = [*scale.get("missing", []), *scale.get("refused", [])]
    for c in choices[len(scale["levels"]):]:
        for answer in known:
            labels = {norm(answer["en"]), norm(answer.get("fr") or answer["en"])}
            if norm(c.code) in labels:
                break                      # written as a label the scale knows
            if norm(c.code) == answer["reason"] or labels & {norm(c.en), norm(c.fr or c.en)}:
                out[c.code] = answer["en"]
                break
    return out


#: short words that tell French labels from English ones when nothing else does
_FRENCH_WORDS = {"le", "la", "les", "des", "du", "de", "et", "vous", "votre", "est", "pour",
                 "avec", "une", "un", "au", "aux", "sur", "je", "pas", "oui", "non", "êtes"}
_ENGLISH_WORDS = {"the", "of", "and", "you", "your", "is", "for", "with", "a", "an", "to",
                  "on", "i", "not", "yes", "no", "are", "do"}


def label_language(instrument: Instrument, codebook: dict) -> str:
    """``fr`` when an instrument's labels (variable and value labels) are French, else ``en``.

    A label equal to one of the codebook's French texts (scale levels, category
    labels, variable labels) and to none of its English ones counts for French, and
    the reverse for English; without such labels, common short words decide.
    """
    from mwsn.codebook import normalize_answer as norm

    texts = {"en": set(), "fr": set()}
    for scale in codebook.get("scales", {}).values():
        for item in [*scale.get("levels", []), *scale.get("missing", []),
                     *scale.get("refused", [])]:
            for lang in texts:
                texts[lang].add(norm(item.get(lang, "")))
    for items in codebook.get("categories", {}).values():
        for item in items:
            for lang in texts:
                texts[lang].add(norm(item.get(lang, "")))
    for spec in codebook.get("sources", {}).values():
        for var in spec.get("variables", []):
            for lang in texts:
                texts[lang].add(norm(var.get("label", {}).get(lang, "")))
    labels = [norm(q.en) for q in instrument.questions if q.en != q.name]
    labels += [norm(c.en) for choices in instrument.choices.values() for c in choices]
    french = sum(1 for t in labels if t in texts["fr"] and t not in texts["en"])
    english = sum(1 for t in labels if t in texts["en"] and t not in texts["fr"])
    if french == english:
        words = [w for t in labels for w in re.findall(r"[\w']+", t)]
        french = sum(w in _FRENCH_WORDS for w in words)
        english = sum(w in _ENGLISH_WORDS for w in words)
    return "fr" if french > english else "en"


def _category_list(choices: list[Choice], name: str, categories: dict) -> str:
    """The codebook category list for a choice list: an existing one with the same codes,
    else a new one under ``name`` (suffixed if that name is taken)."""
    found = [(c.code, c.en.casefold()) for c in choices]
    for existing, items in categories.items():
        if [(str(i["code"]), i["en"].casefold()) for i in items] == found:
            return existing
    target, n = name, 2
    while target in categories:
        target, n = f"{name}_{n}", n + 1
    categories[target] = [{"code": c.code, "en": c.en, "fr": c.fr or c.en} for c in choices]
    return target


def _by_label(choices: list[Choice], items: list[dict]) -> dict[str, str] | None:
    """Each choice's code in a codebook category list (``items``), found by its English or
    French label, else by its code (``other`` labelled "Other"); None unless every choice is
    found, two at least by their labels."""
    from mwsn.codebook import normalize_answer as norm

    labels, codes = {}, {norm(item["code"]): str(item["code"]) for item in items}
    for item in items:
        for key in (item["en"], item.get("fr") or item["en"]):
            labels.setdefault(norm(key), str(item["code"]))
    out, by_label = {}, 0
    for c in choices:
        code = labels.get(norm(c.en)) or (labels.get(norm(c.fr)) if c.fr else None)
        by_label += code is not None
        code = code or codes.get(norm(c.code))
        if code is None:
            return None
        out[c.code] = code
    return out if by_label > 1 else None


def _labelled_as(q, instrument: Instrument, categories: dict, known: list[dict],
                 used: set) -> dict | None:
    """The one codebook category variable not yet matched whose list labels every choice
    of ``q`` (a question named otherwise, ``who`` for the stakeholder group), or None."""
    if q.type != "category" or q.values not in instrument.choices:
        return None
    fits = [v for v in known if v.get("type") == "category" and v["name"] not in used
            and _by_label(instrument.choices[q.values], categories.get(v.get("values"), []))]
    return fits[0] if len(fits) == 1 else None


def draft(instrument: Instrument, codebook: dict, source: str) -> Draft:
    """Rebuild ``codebook['sources'][source]`` from ``instrument``.

    Parameters
    ----------
    instrument : Instrument
        Questions and choice lists read by :func:`read_instrument`.
    codebook : dict
        The project's codebook as YAML data (``params/codebook.yaml``); not modified.
    source : str
        The source the instrument feeds (``survey``).

    Returns
    -------
    Draft
        ``codebook``: the whole codebook with the source's variables in the
        instrument's order (known ones as the codebook defines them, the others
        added); ``params``: ``{file, format, columns}`` for ``params/<jur>.yaml``;
        ``matched``: question → codebook variable; ``added``: new variables;
        ``untranslated``: variables with one language only (the French label is the
        English one; for French SPSS/Stata labels, ``language`` ``fr``, the reverse).
    """
    import copy

    book = copy.deepcopy(codebook)
    if instrument.format in ("spss", "stata") and label_language(instrument, codebook) == "fr":
        # the file's labels are French: kept as the French labels (English to be written)
        instrument = copy.deepcopy(instrument)
        instrument.language = "fr"
        for q in instrument.questions:
            q.fr = q.en if q.en != q.name else None
        for choices in instrument.choices.values():
            for c in choices:
                c.fr = c.en
    scales = book.setdefault("scales", {})
    categories = book.setdefault("categories", {})
    sources = book.setdefault("sources", {})
    spec = sources.get(source) or {"label": {"en": source.replace("_", " ").capitalize(),
                                             "fr": source.replace("_", " ").capitalize()},
                                   "variables": []}
    known = spec.get("variables", [])
    by_key = {}
    for var in known:
        for key in (var["name"], var.get("raw") or var["name"], var["label"]["en"].casefold(),
                    var["label"].get("fr", "").casefold()):
            by_key.setdefault(key, var)
    from mwsn.ingest import FORMAT_DEFAULTS

    # what the export tool names itself (KoboToolbox's start, end, _uuid, _submission_time)
    supplied = FORMAT_DEFAULTS.get(instrument.format, {}).get("columns", {})
    by_name = {var["name"]: var for var in known}
    variables, matched, added, untranslated, columns = [], {}, [], [], {}
    values: dict[str, dict[str, str]] = {}   # a scale's non-opinion answers by their codes
    notes_extra: list[str] = []
    used = set()
    for q in instrument.questions:
        var = (by_key.get(q.name) or by_key.get(q.en.casefold())
               or (by_key.get(q.fr.casefold()) if q.fr else None)
               or by_name.get(supplied.get(q.name))
               # a REDCap project's first field is its record id, whatever its name
               or (by_name.get("response_id") if instrument.format == "redcap"
                   and q is instrument.questions[0] else None)
               # named otherwise, its choices labelled as a codebook list's (who: Migrant
               # worker, Employer ...: the stakeholder group)
               or _labelled_as(q, instrument, categories, known, used))
        if var is not None and var["name"] not in used:
            used.add(var["name"])
            matched[q.name] = var["name"]
            var = dict(var)
            if q.asked_if:
                var["asked_if"] = q.asked_if
            else:
                var.pop("asked_if", None)
            variables.append(var)
            if q.name not in (var["name"], var.get("raw") or var["name"], *supplied):
                columns[q.name] = var["name"]
            if (var.get("type") == "category" and q.values in instrument.choices
                    and instrument.format not in ("spss", "stata")):
                codes = _by_label(instrument.choices[q.values],
                                  categories.get(var.get("values"), []))
                if recode := {k: v for k, v in (codes or {}).items() if k != v}:
                    values[var["name"]] = recode   # a choice named otherwise: its code
            if var.get("type") == "likert" and q.values in instrument.choices:
                if codes := _non_opinion_codes(instrument.choices[q.values],
                                               scales.get(var.get("scale"), {}),
                                               instrument.format):
                    values[var["name"]] = codes
            continue
        entry = {"name": _variable_name(q.name, used), "type": q.type,
                 "label": {"en": q.en, "fr": q.fr or q.en}}
        if q.fr is None or instrument.language == "fr":
            untranslated.append(entry["name"])
        if q.type in ("category", "multi", "likert") and q.values not in instrument.choices:
            notes_extra.append(f"'{q.name}': its choices ({q.values}) are not in the instrument "
                               "(an external file?); kept as text")
            entry["type"] = "text"
        elif q.values and q.type in ("category", "multi", "likert"):
            choices = instrument.choices[q.values]
            scale = next((s for s, d in scales.items() if _same_levels(choices, d)), None) or (
                next((s for s, d in scales.items() if _same_levels(choices, d, by_label=True)),
                     None))
            if scale and q.type != "multi":
                entry.update(type="likert", scale=scale)
                if codes := _non_opinion_codes(choices, scales[scale], instrument.format):
                    values[entry["name"]] = codes
            else:
                entry["values"] = _category_list(choices, q.values, categories)
        if q.range:
            entry["range"] = list(q.range)
        if q.required:
            entry["required"] = True
        if q.pii:
            entry["pii"] = q.pii
        if q.asked_if:
            entry["asked_if"] = q.asked_if
        if entry["name"] != q.name:
            columns[q.name] = entry["name"]
        used.add(entry["name"])
        added.append(entry["name"])
        variables.append(entry)
    renamed = {**{q: v for q, v in matched.items()}, **columns}
    for var in variables:  # skip patterns name the codebook's variables, not the export's
        if var.get("asked_if"):
            var["asked_if"] = re.sub(r"\$\{(\w+)\}",
                                     lambda m: "${" + renamed.get(m.group(1), m.group(1)) + "}",
                                     var["asked_if"])
    consent = spec.get("consent") or ("consent" if "consent" in used else None)
    for var in variables:
        if var.get("asked_if") and consent:
            if shown := _beyond_consent(var["asked_if"], consent):
                var["asked_if"] = shown
            else:
                var.pop("asked_if")
    missing = [v["name"] for v in known if v["name"] not in used]
    notes = list(instrument.notes) + notes_extra
    from mwsn.ingest import ABSENT_CONSEQUENCES, NEVER_ABSENT

    needed = [v["name"] for v in known if v["name"] in missing and (
        v["name"] in NEVER_ABSENT or (v.get("required") and v["name"] not in ABSENT_CONSEQUENCES))]
    # the export's own metadata (a Kobo export's _uuid and _submission_time) are in every
    # export though no question of the form holds them: never declared absent
    absent = [m for m in missing if m not in needed and m not in supplied.values()]
    if needed:
        notes.append("required by the assessment but not found in the instrument (they cannot "
                     "be absent): map the question that holds each in the params' `columns` "
                     "(<question>: <variable>): " + ", ".join(needed))
    if absent:
        notes.append("in the codebook but not in the instrument: kept in the codebook and named "
                     "in the params' `absent` (the analyses that use them will find them not "
                     "collected; map a question to one if the instrument has it under another "
                     "name): " + ", ".join(absent))
    variables += [v for v in known if v["name"] in missing]
    spec = {**spec, "variables": variables}
    names = {v["name"] for v in variables}
    for role in ("respondent", "timestamp", "complete", "consent"):
        if spec.get(role) and spec[role] not in names:  # pragma: no cover - all are kept
            spec.pop(role)
    if "consent" not in spec:
        consent = next((v["name"] for v in variables if v["name"] == "consent"), None)
        if consent:
            spec["consent"] = consent
    if spec.get("record"):
        spec["record"] = [r for r in spec["record"] if r in names]
    sources[source] = spec
    # an SPSS/Stata file is its own data; a form or dictionary is not: name its export
    params = {"file": Path(instrument.file).name if instrument.format in ("spss", "stata")
              else f"{source}_export.csv", "format": instrument.format}
    if columns:
        params["columns"] = columns
    if values:
        params["values"] = values
    if absent:
        params["absent"] = absent
    return Draft(book, params, matched, added, untranslated, notes, instrument.language)


def _beyond_consent(condition: str, consent: str) -> str | None:
    """A skip pattern without its consent clause (nothing is kept without consent anyway):
    ``${consent} = 'yes' and (X)`` → ``X``; ``${consent} = 'yes'`` → None."""
    clause = re.escape("${" + consent + "}") + r"\s*=\s*'yes'"
    text = condition.strip()
    if re.fullmatch(rf"\(?{clause}\)?", text):
        return None
    if match := re.fullmatch(rf"\(?{clause}\)?\s+and\s+\((.*)\)", text):
        return match.group(1)
    return condition


def _variable_name(name: str, used: set[str]) -> str:
    base = re.sub(r"\W+", "_", name.strip()).strip("_").lower() or "question"
    if base[0].isdigit():
        base = f"q_{base}"
    target, n = base, 2
    while target in used:
        target, n = f"{base}_{n}", n + 1
    return target


# -- the command -----------------------------------------------------------------------------

DRAFT_HEADER = """\
# DRAFT codebook made by `mwsn codebook import {file} --source {source}`.
# Review it, then replace params/codebook.yaml with it:
# - mark the columns that identify a person (pii: drop | pseudonymize | scrub; names: true);
# - check the Likert items (type: likert, scale: ...): a choice list is read as a scale only
#   when it has the levels of a scale already in the codebook;
# - {added} variable(s) added from the instrument, {matched} matched to the codebook's own;
#   an added variable marked `required: true` is required of every jurisdiction's export of
#   this source (the others name it in `absent`).
"""

PARAMS_HEADER = """\
# DRAFT params for the '{source}' source, made by `mwsn codebook import {file}`.
# Copy it under `sources:` in params/<jur>.yaml; `columns` maps the export's names onto the
# codebook's. Set `file` to the export's name in data/raw/<jur>/.
"""


def _dump(data) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=None,
                          width=100)


def validate_draft(book: dict, shown_as: Path) -> None:
    """Check a drafted codebook as ``mwsn validate`` would (problems name ``shown_as``).

    Raises
    ------
    InputError
        Every problem, each naming ``shown_as``.
    """
    import tempfile

    from mwsn.codebook import load_codebook

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "params" / "codebook.yaml"
        target.parent.mkdir()
        target.write_text(_dump(book), encoding="utf-8")
        try:
            load_codebook(tmp)
        except InputError as exc:
            from dataclasses import replace

            raise InputError([replace(p, file=str(shown_as)) for p in exc.problems]) from None


def run_import(file: Path, root: Path, source: str, kind: str | None = None,
               out: Path | None = None, force: bool = False) -> int:
    """``mwsn codebook import``: read, draft, validate, write ``drafts/``; print a summary.

    Raises
    ------
    MwsnError
        When a draft it would write is already there with other content (the evaluator
        may have edited it), unless ``force``.
    """
    from mwsn import bundled, config

    instrument = read_instrument(Path(file), kind)
    current = Path(root) / "params" / "codebook.yaml"
    book = config.read_yaml(current if current.is_file() else bundled.path(
        "params/codebook.yaml"))
    result = draft(instrument, book, source)
    out = Path(out) if out else Path(root) / "drafts"
    codebook_file, params_file = out / "codebook.yaml", out / f"{source}.params.yaml"
    validate_draft(result.codebook, codebook_file)
    drafts = {codebook_file: DRAFT_HEADER.format(
                  file=Path(file).name, source=source, added=len(result.added),
                  matched=len(result.matched)) + _dump(result.codebook),
              params_file: PARAMS_HEADER.format(source=source, file=Path(file).name)
              + _dump({"sources": {source: result.params}})}
    kept = [path for path, text in drafts.items()
            if path.is_file() and path.read_text(encoding="utf-8") != text]
    if kept and not force:
        raise MwsnError(f"{', '.join(map(str, kept))}: a draft is already there, with other "
                        "content (edited, or from another instrument): move it away, or add "
                        "--force to replace it")
    out.mkdir(parents=True, exist_ok=True)
    for path, text in drafts.items():
        path.write_text(text, encoding="utf-8")
    print(f"{file}: {len(instrument.questions)} questions, {len(result.matched)} matched to the "
          f"codebook, {len(result.added)} added")
    print(f"  wrote {codebook_file}")
    print(f"  wrote {params_file}")
    if result.untranslated and result.language == "fr":
        print(f"  no English label (French used; translate): {', '.join(result.untranslated)}")
    elif result.untranslated:
        print(f"  no French label (English used; translate): {', '.join(result.untranslated)}")
    for note in result.notes:
        print(f"  note: {note}")
    return 0
