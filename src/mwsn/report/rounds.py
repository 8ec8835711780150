"""The landing page of a jurisdiction with data rounds: ``reports/<jur>/index[.fr].html``.

One row per wave, newest first: its period and links to that wave's report in
each language, its plain-language summaries and its files for auditors. The
newest wave's report holds the trends over every wave.
"""

from __future__ import annotations

from pathlib import Path

from mwsn import i18n
from mwsn.config import Jurisdiction, Paths, wave_paths
from mwsn.report.html import esc, page


def page_name(lang: str) -> str:
    """``index.html`` in the first language of a jurisdiction, ``index.<lang>.html`` else."""
    return "index.html" if lang == "en" else f"index.{lang}.html"


def landing_page(params: Jurisdiction, root: Path, lang: str) -> str:
    """The page listing every wave's reports, as HTML, in ``lang`` (``en`` or ``fr``)."""
    name = params.name(lang)
    rows = []
    for where in reversed(wave_paths(params, root)):
        rows.append(_row(where, params, lang))
    period = i18n.t("rounds.period", lang)
    reports = i18n.t("rounds.reports", lang)
    body = (f"<h1>{esc(i18n.t('rounds.title', lang, jurisdiction=name))}</h1>\n"
            f"<p>{esc(i18n.t('rounds.intro', lang))}</p>\n"
            f"<table>\n<caption>{esc(i18n.t('rounds.caption', lang, jurisdiction=name))}"
            f"</caption>\n<thead><tr><th scope=\"col\">{esc(i18n.t('rounds.wave', lang))}</th>"
            f"<th scope=\"col\">{esc(period)}</th><th scope=\"col\">{esc(reports)}</th></tr>"
            "</thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>\n")
    other = [code for code in params.languages if code != lang]
    if other:
        links = ", ".join(f'<a href="{page_name(code)}" hreflang="{code}">'
                          f"{esc(i18n.t(f'language.{code}', code))}</a>" for code in other)
        body += f"<p>{links}</p>\n"
    synthetic = any(w.is_synthetic for w in wave_paths(params, root))
    return page(body, lang, i18n.t("rounds.title", lang, jurisdiction=name), synthetic)


def _row(where: Paths, params: Jurisdiction, lang: str) -> str:
    wave = params.for_wave(where.wave)
    folder = where.reports
    links = []
    for code in params.languages:
        suffix = "" if code == "en" else f".{code}"
        if (folder / f"assessment{suffix}.html").is_file():
            links.append(f'<a href="{where.wave}/assessment{suffix}.html" hreflang="{code}">'
                         f"{esc(i18n.t('rounds.report', lang, language=i18n.t(f'language.{code}', lang)))}</a>")
    for summary in sorted(folder.glob("summary.*.html")):
        code = summary.name.split(".")[1]
        links.append(f'<a href="{where.wave}/{summary.name}" hreflang="{code}">'
                      f"{esc(i18n.t('rounds.summary', lang, language=code.upper()))}</a>")
    if (folder / "index.html").is_file():
        links.append(f'<a href="{where.wave}/index.html">{esc(i18n.t("rounds.auditors", lang))}</a>')
    cell = " · ".join(links) if links else esc(i18n.t("rounds.not_run", lang))
    return (f"<tr><th scope=\"row\">{esc(where.wave)}</th>"
            f"<td>{esc(wave.period.start)} – {esc(wave.period.end)}</td><td>{cell}</td></tr>")


def write(params: Jurisdiction, root: Path) -> list[Path]:
    """Write the landing page in each of the jurisdiction's languages; returns the paths.

    Nothing is written for a jurisdiction without waves (its report folder is
    the round's own)."""
    if not params.waves:
        return []
    from mwsn.run.staging import _write_atomic

    folder = Path(root) / "reports" / params.code
    written = []
    for lang in params.languages:
        target = folder / page_name(lang)
        _write_atomic(target, landing_page(params, Path(root), lang), make_folder=True)
        written.append(target)
    return written
