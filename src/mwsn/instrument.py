"""The next round's instrument, made from the codebook: an XLSForm for KoboToolbox/ODK.

``mwsn instrument <jur> --to xlsform OUT.xlsx`` writes one source's questions
(default: the survey) as an XLSForm: EN/FR labels, choice lists from the
codebook's categories and Likert scales (non-opinion answers included),
consent first (nothing else is asked without it), required items, and skip
patterns (``asked_if``) as ``relevant``. Answers exported from KoboToolbox as
"XML values" are then the codebook's own codes and the form's question names
are the codebook's names, so the next data round fits the codebook as it is.

Each row also carries ``codebook::type`` and ``codebook::pii`` columns (XLSForm
tools ignore columns they do not know), so that ``mwsn codebook import`` of the
form gives back the codebook it was made from.

Qualtrics' own metadata columns have no question: their XLSForm counterparts
are used where one exists (``start``/``end``; a response id and the
completion flag as calculations); the others are left out and listed.
"""

from __future__ import annotations

from pathlib import Path

from mwsn.codebook import Codebook, SourceSpec, Variable
from mwsn.errors import InputError, Problem

#: XLSForm question type for each codebook variable type (selects get their list)
QUESTION_TYPES = {"category": "select_one", "likert": "select_one", "multi": "select_multiple",
                  "number": "decimal", "date": "date", "datetime": "dateTime", "boolean":
                  "select_one", "text": "text", "free_text": "text", "id": "text"}

#: Qualtrics metadata columns (its fixed export columns) → XLSForm metadata or a calculation;
#: None: no counterpart, left out of the form
PLATFORM_METADATA = {
    "StartDate": ("start", None), "EndDate": ("end", None), "RecordedDate": ("end", None),
    "ResponseId": ("calculate", "once(uuid())"), "Finished": ("calculate", "1"),
    "Status": None, "IPAddress": None, "Progress": None, "Duration (in seconds)": None,
    "RecipientLastName": None, "RecipientFirstName": None, "ExternalReference": None,
    "LocationLatitude": None, "LocationLongitude": None, "DistributionChannel": None,
    "UserLanguage": None,
}

SURVEY_COLUMNS = ("type", "name", "label::English (en)", "label::French (fr)", "required",
                  "relevant", "constraint", "calculation", "codebook::type", "codebook::pii")
CHOICE_COLUMNS = ("list_name", "name", "label::English (en)", "label::French (fr)")
BOOLEAN_LIST = "yes_no"


def _relevant(var: Variable, consent_condition: str | None) -> str:
    parts = [p for p in (consent_condition, var.asked_if) if p]
    if len(parts) == 2:
        return f"{parts[0]} and ({parts[1]})"
    return parts[0] if parts else ""


def _constraint(var: Variable) -> str:
    if var.type == "number" and var.range:
        low, high = (f"{v:g}" for v in var.range)
        return f". >= {low} and . <= {high}"
    return ""


def rows(codebook: Codebook, source: str) -> tuple[list[dict], list[dict], list[str]]:
    """The survey and choices rows of the form, and the variables left out of it (survey-platform
    metadata with no XLSForm counterpart).

    Raises
    ------
    InputError
        When the codebook has no such source.
    """
    if source not in codebook.sources:
        raise InputError(Problem("params/codebook.yaml", f"no source '{source}' in the "
                                 f"codebook: use one of {', '.join(codebook.sources)}"))
    spec: SourceSpec = codebook.sources[source]
    consent = spec.variable(spec.consent) if spec.consent else None
    consent_condition = f"${{{consent.name}}} = 'yes'" if consent else None
    ordered = ([consent] if consent else []) + [v for v in spec.variables if v is not consent]
    survey, lists, left_out = [], {}, []
    for var in ordered:
        meta = PLATFORM_METADATA.get(var.raw_name, False)
        if meta is None:
            left_out.append(var.name)
            continue
        row = {"name": var.name, "label::English (en)": var.label.en,
               "label::French (fr)": var.label.fr, "codebook::type": var.type,
               "codebook::pii": var.pii or ""}
        if meta:
            kind, calculation = meta
            row.update({"type": kind, "calculation": calculation or "",
                        "required": "yes" if var.required else ""})
            survey.append(row)
            continue
        if var.type == "likert":
            list_name = var.scale
            scale = codebook.scales[var.scale]
            lists.setdefault(list_name, [(str(lv.code), lv.en, lv.fr) for lv in scale.levels]
                             + [(a.reason, a.en, a.fr) for a in [*scale.missing, *scale.refused]])
        elif var.type in ("category", "multi"):
            list_name = var.values
            lists.setdefault(list_name, [(c.code, c.en, c.fr)
                                         for c in codebook.categories[var.values]])
        elif var.type == "boolean":
            list_name = BOOLEAN_LIST
            lists.setdefault(list_name, [("yes", "Yes", "Oui"), ("no", "No", "Non")])
        else:
            list_name = None
        kind = QUESTION_TYPES[var.type]
        row.update({
            "type": f"{kind} {list_name}" if list_name else kind,
            "required": "yes" if var.required else "",
            "relevant": "" if var is consent else _relevant(var, consent_condition),
            "constraint": _constraint(var),
        })
        survey.append(row)
    choices = [{"list_name": name, "name": code, "label::English (en)": en,
                "label::French (fr)": fr} for name, items in lists.items()
               for code, en, fr in items]
    return survey, choices, left_out


def write_xlsform(codebook: Codebook, source: str, out: Path, *, title: str,
                  form_id: str) -> list[str]:
    """Write the XLSForm to ``out`` (``.xlsx``); returns the variables left out of the form
    (an export of it never has them: the params name them in ``absent``).

    Parameters
    ----------
    codebook : Codebook
        The project's codebook (``params/codebook.yaml``).
    source : str
        The source whose variables become questions (``survey``).
    out : Path
        The workbook to write; its folder must exist.
    title, form_id : str
        The form's title and id (``settings`` sheet).
    """
    from openpyxl import Workbook

    survey, choices, left_out = rows(codebook, source)
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(SURVEY_COLUMNS)
    for row in survey:
        sheet.append([row.get(c, "") for c in SURVEY_COLUMNS])
    sheet = book.create_sheet("choices")
    sheet.append(CHOICE_COLUMNS)
    for row in choices:
        sheet.append([row[c] for c in CHOICE_COLUMNS])
    sheet = book.create_sheet("settings")
    sheet.append(("form_title", "form_id", "default_language", "version"))
    sheet.append((title, form_id, "English (en)", "1"))
    out = Path(out)
    partial = out.with_name(f".{out.name}.partial")
    book.save(partial)
    partial.replace(out)
    return left_out
