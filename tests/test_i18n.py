"""The EN/FR catalogue is complete and numbers are formatted for the language."""

from __future__ import annotations

import string

from mwsn import i18n


def test_every_key_exists_in_both_languages():
    en, fr = i18n.catalogue("en"), i18n.catalogue("fr")
    assert set(en) - set(fr) == set(), "keys missing in fr.yaml"
    assert set(fr) - set(en) == set(), "keys missing in en.yaml"


def test_placeholders_match_between_languages():
    fields = lambda s: {f for _, f, _, _ in string.Formatter().parse(s) if f}  # noqa: E731
    en, fr = i18n.catalogue("en"), i18n.catalogue("fr")
    for key in en:
        assert fields(en[key]) == fields(fr[key]), key


def test_numbers_follow_canadian_english_and_french_conventions():
    # Government of Canada style: 1,234.5 / 1 234,5 and 45% / 45 % (non-breaking spaces in fr)
    assert i18n.number(1234.5, "en", 1) == "1,234.5"
    assert i18n.number(1234.5, "fr", 1) == "1\u00a0234,5"
    assert i18n.percent(0.45, "en") == "45%"
    assert i18n.percent(0.45, "fr") == "45\u00a0%"
    assert i18n.money(3_400_000, "en") == "$3,400,000"
    assert i18n.money(3_400_000, "fr") == "3\u00a0400\u00a0000\u00a0$"


def test_catalogue_files_are_the_same_in_both_languages():
    from pathlib import Path

    here = Path(i18n.__file__).parent
    assert sorted(p.name for p in (here / "en").glob("*.yaml")) == sorted(
        p.name for p in (here / "fr").glob("*.yaml"))
