"""The plain-language summary for stakeholders: ``reports/<jur>/summary.<lang>.html``.

One printed page, in short words and short sentences: what was assessed, what
was found (each evaluation question's goal and its rating in plain words), what
happens next. Written in every language of ``summary_languages`` in the
jurisdiction's params (English, French, Spanish, Tagalog) from the catalogue's
``plain.yaml``; a key missing in a language stops the run with the key's name.
The jurisdiction's name is the params' French one in French and its English
one otherwise (the official name, as the Tagalog summary of the published
assessment keeps it). Its only figures are the number of people who took part
and the number of considerations, both stated in the full report; whether many or
some of those people were migrant workers is said only where the disclosure pass
shows how many were.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from babel.dates import format_skeleton

from mwsn import i18n, ingest
from mwsn.config import Jurisdiction
from mwsn.report.html import esc, page

#: print layout: one page, a little larger type than the report
CSS = """
main.plain { max-width: 42rem; font-size: 1.05rem; }
main.plain li { margin-bottom: .2rem; }
@media print {
  main.plain { font-size: 10.5pt; }
  main.plain h2 { margin-top: 1rem; }
  main.plain section { break-before: auto; }
}
"""


def month(period: str, lang: str) -> str:
    """``"2018-03"`` as ``March 2018`` / ``mars 2018`` / ``marzo de 2018`` / ``Marso 2018``."""
    year, number = (int(x) for x in str(period).split("-")[:2])
    return format_skeleton("yMMMM", date(year, number, 1), locale=i18n._LOCALES[lang])


def body(params: Jurisdiction, lang: str, processed: Path) -> str:
    """The summary's content (``<main>`` excluded) for one language."""
    t = lambda key, **v: i18n.t(key, lang, **v)  # noqa: E731
    name = params.name.fr if lang == "fr" else params.name.en
    start, end = month(params.period.start, lang), month(params.period.end, lang)
    key = "plain.assessed" if params.network_in_place else "plain.assessed_consultation"
    people = ingest.read_processed(processed, "participants")["participant"].nunique()
    workers = _workers(processed, params, people, lang)
    ratings: pd.DataFrame = ingest.read_processed(processed, "findings")
    found = "".join(f"<li><strong>{esc(t(f'plain.area.{r.question_id}'))}</strong>: "
                    f"{esc(t(f'plain.rating.{r.rating}'))}</li>" for r in ratings.itertuples())
    return (
        f'<header><p class="kicker">{esc(t("plain.kicker"))}</p>'
        f'<h1>{esc(t("plain.title", jurisdiction=name))}</h1></header>'
        f'<section id="assessed"><h2>{esc(t("plain.assessed_heading"))}</h2>'
        f"<p>{esc(t(key, jurisdiction=name, start=start, end=end))}</p>"
        f'<p>{esc(t("plain.people", n=i18n.number(people, lang)))}{workers}</p></section>'
        f'<section id="found"><h2>{esc(t("plain.found_heading"))}</h2>'
        f'<p>{esc(t("plain.found"))}</p><ul>{found}</ul></section>'
        f'<section id="next"><h2>{esc(t("plain.next_heading"))}</h2>'
        f'<p>{esc(t("plain.next_decide"))}</p>'
        f'<p>{esc(_ideas(len(params.considerations), lang))}</p>'
        f'<p>{esc(t("plain.full_report"))}</p></section>')


#: "many of them were migrant workers" from this share of the people who took part
MANY = 1 / 3


def _workers(processed: Path, params: Jurisdiction, people: int, lang: str) -> str:
    """`` Many of them were migrant workers.`` where the migrant workers who took part are a
    third or more of them, `` Some ...`` where fewer, nothing where none took part or the
    disclosure pass hides how many did (a word must not bound a hidden count)."""
    from mwsn import privacy

    ledger = privacy.load_pass(processed, params.min_cell)
    key = ("participants", "migrant_worker", "total")
    if key not in ledger.value or ledger.hidden(key) or not ledger.value[key]:
        return ""
    many = ledger.value[key] >= MANY * people
    return " " + i18n.t("plain.workers.many" if many else "plain.workers.some", lang)


def _ideas(count: int, lang: str) -> str:
    """How many ideas for next steps (the considerations) the full report gives, in words."""
    if count == 0:
        return i18n.t("plain.next_ideas.none", lang)
    return i18n.plural("plain.next_ideas", lang, count)


def render_page(params: Jurisdiction, lang: str, processed: Path, synthetic: bool) -> str:
    """The whole summary page in ``lang``: self-contained like the report, banner included."""
    name = params.name.fr if lang == "fr" else params.name.en
    html = page(body(params, lang, processed), lang,
                i18n.t("plain.title", lang, jurisdiction=name), synthetic,
                banner_key="plain.banner", css=CSS)
    return html.replace("<main>", '<main class="plain">', 1)


def file_name(lang: str) -> str:
    return f"summary.{lang}.html"
