"""Matplotlib figures with alt text, deterministic and colour-blind safe.

Every function returns a :class:`Figure`: the SVG markup (no timestamps, fixed
element ids) and an alt text that states the main number. Titles, axis labels
and alt text come from the EN/FR catalogue.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from mwsn import i18n  # noqa: E402

#: Okabe & Ito (2008) colour-blind-safe palette
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000"]

plt.rcParams.update({
    "svg.hashsalt": "mwsn",  # stable element ids: byte-identical reruns
    "svg.fonttype": "path",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
})


@dataclass(frozen=True)
class Figure:
    svg: str
    alt: str
    title: str


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def agreement_dots(indicators: pd.DataFrame, labels: dict[str, str], lang: str) -> Figure:
    """Share agreeing per survey item (all respondents) with its 95% CI, as dots and whiskers.

    ``indicators``: rows of ``stats.agreement`` for group ``all``, already suppressed.
    """
    data = indicators.dropna(subset=["agree_pct"]).iloc[::-1]
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * max(len(data), 1) + 1.2))
    y = range(len(data))
    pct = data["agree_pct"].astype(float) * 100
    ax.hlines(list(y), data["ci_low"].astype(float) * 100, data["ci_high"].astype(float) * 100,
              color=PALETTE[0], linewidth=2)
    ax.plot(pct, list(y), "o", color=PALETTE[0], markersize=7)
    ax.set_yticks(list(y), [labels.get(i, i) for i in data["item"]])
    ax.set_xlim(0, 100)
    ax.set_xlabel(i18n.t("chart.agreement.xlabel", lang))
    title = i18n.t("chart.agreement.title", lang)
    ax.set_title(title, loc="left")
    if len(data):
        top = data.loc[data["agree_pct"].astype(float).idxmax()]
        alt = i18n.t("chart.agreement.alt", lang, n_items=len(data),
                     top_item=labels.get(top["item"], top["item"]),
                     top_pct=i18n.percent(float(top["agree_pct"]), lang))
    else:
        alt = i18n.t("chart.empty.alt", lang)
    return Figure(_svg(fig), alt, title)


def tfw_positions_by_stream(streams: pd.DataFrame, labels: dict[str, str], jurisdiction: str,
                            lang: str) -> Figure:
    """TFW positions on positive LMIAs by stream and year, as stacked bars.

    ``streams``: rows of ``context.positions_by_stream`` (``year, stream,
    positions``; the ``Total`` rows are left out); ``labels`` maps a published
    stream name to its label in ``lang``.
    """
    from matplotlib.ticker import FuncFormatter

    data = streams[streams["stream"] != "Total"]
    wide = data.pivot_table(index="year", columns="stream", values="positions",
                            aggfunc="sum", sort=False).astype(float).fillna(0.0)
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    bottom = pd.Series(0.0, index=wide.index)
    for k, stream in enumerate(wide.columns):
        ax.bar([str(y) for y in wide.index], wide[stream], bottom=bottom,
               color=PALETTE[k % len(PALETTE)], label=labels.get(stream, stream), width=0.65)
        bottom = bottom + wide[stream]
    ax.set_ylabel(i18n.t("chart.tfw_streams.ylabel", lang))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: i18n.number(v, lang)))
    handles, names = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], names[::-1], loc="upper left", bbox_to_anchor=(1.0, 1.0),
              frameon=False)  # legend top-down in the order of the stacked bars
    title = i18n.t("chart.tfw_streams.title", lang, jurisdiction=jurisdiction)
    ax.set_title(title, loc="left")
    if len(wide):
        last = wide.index.max()
        total = float(wide.loc[last].sum())
        top = wide.loc[last].idxmax()
        alt = i18n.t("chart.tfw_streams.alt", lang, jurisdiction=jurisdiction,
                     first=wide.index.min(), last=last, total=i18n.number(total, lang),
                     top_stream=labels.get(top, top),
                     top_share=i18n.percent(float(wide.loc[last, top]) / total if total else 0,
                                            lang))
    else:
        alt = i18n.t("chart.empty.alt", lang)
    return Figure(_svg(fig), alt, title)
