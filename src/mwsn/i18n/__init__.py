"""The catalogue (EN/FR, and ES/TL for the plain-language summary) and number formatting.

Every string a program manager can see comes from the catalogue files
``en/*.yaml`` and ``fr/*.yaml`` beside this file (flat ``key: text`` with
``{placeholders}``; one file per part of the report, the same file names in
both languages, a key defined once). The plain-language summary for
stakeholders (``plain.yaml``) also exists in Spanish (``es``) and Tagalog
(``tl``); those languages hold only that file, and a key missing in a language
is an error (:func:`t` raises ``KeyError``), never a fallback to English. Numbers are
formatted for the language with babel (``1,234.5`` / ``1 234,5``,
``45%`` / ``45 %``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from babel import Locale
from babel.numbers import format_currency, format_decimal, format_percent

#: languages the whole report is written in
LANGUAGES = ("en", "fr")
#: every language of the catalogue: the report's, and those of the plain summary only
ALL_LANGUAGES = ("en", "fr", "es", "tl")
#: Tagalog is written with Filipino's CLDR conventions (Babel has no ``tl`` locale)
_LOCALES = {"en": "en_CA", "fr": "fr_CA", "es": "es_MX", "tl": "fil_PH"}
_HERE = Path(__file__).parent
#: libyaml's parser when PyYAML was built with it (the same safe constructor, in C)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def catalogue(lang: str) -> dict[str, str]:
    if lang not in ALL_LANGUAGES:
        raise ValueError(f"language {lang!r} is not one of {ALL_LANGUAGES}")
    merged: dict[str, str] = {}
    for path in sorted((_HERE / lang).glob("*.yaml")):
        with open(path, encoding="utf-8") as fh:
            part = yaml.load(fh, Loader=_LOADER) or {}
        clash = set(part) & set(merged)
        if clash:
            raise ValueError(f"{path}: keys already defined in another file: {sorted(clash)}")
        merged.update(part)
    return merged


def t(key: str, lang: str, **values) -> str:
    """The text for ``key`` in ``lang``, with ``{placeholders}`` filled in."""
    try:
        text = catalogue(lang)[key]
    except KeyError:
        raise KeyError(f"catalogue key {key!r} is missing in i18n/{lang}/*.yaml") from None
    return text.format(**values) if values else text


def plural(key: str, lang: str, n: int, **values) -> str:
    """The text for ``key`` in the plural form ``n`` takes in ``lang`` (CLDR's rules through
    babel: ``key.one`` for 1 in English, for 0 and 1 in French; ``key.other`` otherwise),
    with ``{n}`` and the other placeholders filled in."""
    form = Locale.parse(_LOCALES[lang]).plural_form(abs(n))
    found = catalogue(lang)
    chosen = f"{key}.{form}" if f"{key}.{form}" in found else f"{key}.other"
    return t(chosen, lang, n=n, **values)


def number(value: float, lang: str, decimals: int = 0) -> str:
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=_LOCALES[lang])


def percent(fraction: float, lang: str, decimals: int = 0) -> str:
    """``0.45`` → ``45%`` (en) / ``45 %`` (fr)."""
    pattern = Locale.parse(_LOCALES[lang]).percent_formats[None].pattern  # "#,##0 %" in fr
    if decimals:
        pattern = pattern.replace("#,##0", "#,##0." + "0" * decimals)
    return format_percent(fraction, format=pattern, locale=_LOCALES[lang])


def money(amount: float, lang: str, currency: str = "CAD") -> str:
    """``3400000`` → ``$3,400,000`` (en) / ``3 400 000 $`` (fr), whole dollars."""
    pattern = "¤#,##0" if lang == "en" else "#,##0\u00a0¤"
    return format_currency(amount, currency, format=pattern, locale=_LOCALES[lang],
                           currency_digits=False)
