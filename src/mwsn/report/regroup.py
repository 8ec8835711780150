"""Rearrange rendered report sections into the published report's structure.

The published assessment groups its content differently from the modules that
compute it: the methodology's participation table is its Annex 3, the Funding
Program and Network Meetings findings sit under "achievement of
sub-objectives", the TFWP context is an annex. The structural sections
(:mod:`~mwsn.report.overview`, :mod:`~mwsn.report.outcomes`, ...) therefore
render the computing sections whole, so every disclosure rule those apply
stays in force, and move their parts with these helpers. They work on the
markup this package writes (``<section id=..><h2>..</h2>..</section>``,
``<h3>`` subsections, ``<article id=..>`` findings, ``<table>`` followed by
its optional ``<p class="note">``), never on data: text from data is escaped,
so it cannot contain a tag these patterns would match.
"""

from __future__ import annotations

import re

_SECTION = re.compile(r'\A\s*<section id="[^"]*"><h2[^>]*>.*?</h2>(?P<inner>.*)</section>\s*\Z',
                      re.S)
_ARTICLE = re.compile(r'<article id="(?P<id>[^"]+)"[^>]*>.*?</article>', re.S)
_TABLE = re.compile(r'<table[ >].*?</table>(?:<p class="note">.*?</p>)?', re.S)


def inner(section: str) -> str:
    """The content of a rendered ``<section>``, without the section tag and its ``<h2>``."""
    match = _SECTION.match(section)
    if match is None:
        raise ValueError("not a rendered report section: <section id=...><h2>...</h2>...</section>")
    return match.group("inner")


def subsections(content: str) -> tuple[str, list[str]]:
    """``content`` split into its lead (before the first ``<h3``) and its ``<h3>`` blocks."""
    pieces = re.split(r"(?=<h3[ >])", content)
    return pieces[0], pieces[1:]


def articles(content: str) -> tuple[str, dict[str, str]]:
    """``content`` without its ``<article>`` elements, and those articles by id, in order."""
    found = {m.group("id"): m.group(0) for m in _ARTICLE.finditer(content)}
    return _ARTICLE.sub("", content), found


def take_tables(content: str) -> tuple[str, list[str]]:
    """``content`` without its tables (each with its suppression note), and those tables."""
    return _TABLE.sub("", content), _TABLE.findall(content)


def demote(content: str, levels: int = 1) -> str:
    """Every heading ``h2``-``h6`` moved ``levels`` down (negative: up), kept within
    ``h2``-``h6``, attributes kept."""
    def shift(match: re.Match) -> str:
        return f"<{match.group(1)}h{max(2, min(int(match.group(2)) + levels, 6))}"

    return re.sub(r"<(/?)h([2-6])(?=[ >])", shift, content)


def section(ident: str, heading: str, content: str) -> str:
    """A report section: ``<section id=ident><h2>heading</h2>content</section>``.

    ``heading`` must already be escaped.
    """
    return f'<section id="{ident}"><h2>{heading}</h2>{content}</section>'


def drop_heading(block: str) -> str:
    """A subsection without its leading ``<h3>`` (its new parent gives the heading)."""
    return re.sub(r"\A\s*<h3[^>]*>.*?</h3>", "", block, count=1, flags=re.S)
