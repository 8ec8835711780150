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


def _plain(lang: str) -> dict[str, str]:
    return {k: v for k, v in i18n.catalogue(lang).items() if k.startswith("plain.")}


def test_the_plain_summary_has_every_key_and_placeholder_in_every_language():
    fields = lambda s: {f for _, f, _, _ in string.Formatter().parse(s) if f}  # noqa: E731
    en = _plain("en")
    for lang in i18n.ALL_LANGUAGES:
        other = _plain(lang)
        assert set(other) == set(en), (lang, set(en) ^ set(other))
        for key, text in en.items():
            assert fields(other[key]) == fields(text), (lang, key)


def test_the_plain_summary_names_every_question_and_rating_of_the_matrix():
    from pathlib import Path

    from mwsn import findings

    matrix = findings.load_matrix(Path(__file__).resolve().parents[1])
    ratings = {r.rating for rubric in matrix.rubrics.values() for r in rubric.ratings}
    for lang in i18n.ALL_LANGUAGES:
        for q in matrix.questions:
            assert f"plain.area.{q.id}" in i18n.catalogue(lang), (lang, q.id)
        for rating in ratings | {findings.INSUFFICIENT}:
            assert f"plain.rating.{rating}" in i18n.catalogue(lang), (lang, rating)


def test_a_key_missing_in_a_language_is_an_error_not_english():
    import pytest

    with pytest.raises(KeyError, match="i18n/tl"):
        i18n.t("report.title", "tl", jurisdiction="X")
    with pytest.raises(ValueError, match="'de'"):
        i18n.catalogue("de")


def test_numbers_and_months_in_spanish_and_tagalog():
    from mwsn.report import plain

    assert i18n.number(1234, "es") == "1,234" and i18n.number(1234, "tl") == "1,234"
    assert plain.month("2018-03", "es") == "marzo de 2018"
    assert plain.month("2020-03", "tl") == "Marso 2020"


def test_plural_follows_each_languages_rule():
    # CLDR plural rules (babel): English 'one' is 1 only; French 'one' is 0 and 1
    from mwsn import i18n

    assert i18n.plural("response.late", "en", 0) == "0 actions late"
    assert i18n.plural("response.late", "en", 1) == "1 action late"
    assert i18n.plural("response.late", "en", 2) == "2 actions late"
    assert i18n.plural("response.late", "fr", 0) == "0 mesure en retard"
    assert i18n.plural("response.late", "fr", 2) == "2 mesures en retard"


def test_the_plain_summary_counts_ideas_for_next_steps_in_words_each_language_agrees_with():
    # a new project has no considerations: not "0 ideas" (nor "1 ideas" for one)
    from mwsn.report import plain

    assert plain._ideas(0, "en").startswith("The full report gives no ideas for next steps yet.")
    assert plain._ideas(1, "en").startswith("The full report gives 1 idea for next steps.")
    assert plain._ideas(3, "en").startswith("The full report gives 3 ideas for next steps.")
    assert plain._ideas(1, "fr").startswith("Le rapport complet donne 1 idée pour la suite.")
    assert plain._ideas(0, "fr").startswith("Le rapport complet ne donne pas encore d'idées")
    assert plain._ideas(2, "es").startswith("El informe completo da 2 ideas")
    for lang in ("en", "fr", "es", "tl"):
        assert "0" not in plain._ideas(0, lang), lang
