"""A jurisdiction's temporary foreign workers, from the official TFWP statistics.

Pure functions over the tidy frames of :mod:`mwsn.tfwp` (ESDC annual tables
7 and 13, IRCC work-permit holders): positions by stream over time, the share
outside primary agriculture (the evidence for outreach to other sectors),
leading occupations, where the jurisdiction stands among provinces, and the
needs assessment that ranks provinces for expanding the Network with the
weights of ``params/context.yaml``. :func:`load_settings` and
:func:`read_tables` find and read the files the params name.

The national context is computed once per run (``notebooks/00_context.ipynb``,
into ``data/processed/_national/``): the per-province tables hold every province
(:func:`every_province`) and each jurisdiction's report takes its own rows
(:func:`for_province`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pydantic import Field, ValidationError

from mwsn import bundled, config, tfwp
from mwsn.config import Bilingual, Paths, Strict
from mwsn.errors import InputError, Problem

#: the needs-assessment indicators, in the order the report shows them
INDICATORS = ("workforce", "growth", "low_wage_share", "agriculture_share")
NOT_STATED = "not stated"


class TableFile(Strict):
    file: str
    edition: str


class Weight(Strict):
    weight: float = Field(ge=0)
    explanation: Bilingual


class NeedsAssessment(Strict):
    min_positions: int = Field(default=0, ge=0)
    weights: dict[str, Weight]


class Streams(Strict):
    agriculture: str = "Primary Agriculture"
    low_wage: str = "Low-Wage"


class Settings(Strict):
    """``params/context.yaml``."""

    files: dict[str, TableFile]
    leading_occupations: int = Field(default=10, ge=1)
    streams: Streams = Streams()
    needs_assessment: NeedsAssessment


TABLES = ("positions_by_stream", "positions_by_occupation", "work_permit_holders")


def load_settings(root: str | Path = ".") -> Settings:
    path = Path(root) / "params" / "context.yaml"
    data = config.read_yaml(path)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise InputError(config.validation_problems(path, exc)) from None
    problems = [Problem(str(path), f"missing key 'files.{name}': add the file it reads")
                for name in TABLES if name not in settings.files]
    weights = settings.needs_assessment.weights
    problems += [Problem(str(path), f"unknown indicator 'needs_assessment.weights.{name}': "
                         f"use {', '.join(INDICATORS)}") for name in weights if name not in INDICATORS]
    if not any(w.weight for w in weights.values()):
        problems.append(Problem(str(path), "every needs-assessment weight is 0: give at least "
                                "one indicator a weight above 0"))
    if problems:
        raise InputError(problems)
    return settings


def external_file(where: Paths, name: str) -> Path:
    """A published table under ``<root>/data/external``, else the copy the package carries."""
    local = where.external / name
    if local.is_file():
        return local
    carried = bundled.path(f"data/external/{name}")
    return carried if carried.is_file() else local


def read_tables(where: Paths, settings: Settings) -> dict[str, pd.DataFrame]:
    """The published tables the context section reads, each as a tidy frame."""
    files = {name: external_file(where, settings.files[name].file) for name in TABLES}
    tables = {
        "positions_by_stream": tfwp.read_tfwp_table(files["positions_by_stream"]),
        "positions_by_occupation": tfwp.read_tfwp_table(files["positions_by_occupation"]),
        "work_permit_holders": tfwp.read_ircc_work_permits(files["work_permit_holders"]),
    }
    for name, want in (("positions_by_stream", 13), ("positions_by_occupation", 7)):
        if tables[name].attrs["table"] != want:
            raise InputError(Problem(str(files[name]), f"files.{name} must be ESDC annual table "
                                     f"{want}, found table {tables[name].attrs['table']}"))
    return tables


def network_provinces(root: str | Path = ".") -> list[str]:
    """The provinces of every jurisdiction whose params say a Network is in place.

    Another jurisdiction's params may be half-edited: one that does not load is
    left out with a warning naming its problem (this jurisdiction's run goes on).
    """
    import warnings

    found = []
    for code in config.list_jurisdictions(root):
        try:
            params = config.load(code, root)
        except InputError as exc:
            warnings.warn(f"params/{code}.yaml was left out of the list of provinces with a "
                          f"Network ({'; '.join(p.message for p in exc.problems)}): fix it and "
                          "run again to include it", stacklevel=2)
            continue
        if params.network_in_place:
            found.append(params.tfwp_province)
    return sorted(found)


def sources(settings: Settings, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """What each table is, for the citation under every table and chart."""
    return pd.DataFrame([{
        "name": name, "publisher": tables[name].attrs["publisher"],
        "table": str(tables[name].attrs["table"]), "title": tables[name].attrs["title"],
        "file": settings.files[name].file, "edition": settings.files[name].edition,
        "total_mismatches": int(tables[name].attrs["total_mismatches"]),
    } for name in TABLES])


def _require(frame: pd.DataFrame, province: str, path_hint: str) -> None:
    known = sorted(frame["province"].unique())
    if province not in known:
        raise InputError(Problem(path_hint, f"province {province!r} is not in the table; it names "
                                 f"{', '.join(known)}: set the jurisdiction's `province` key in "
                                 "its params file to one of these"))


def positions_by_stream(streams: pd.DataFrame, province: str) -> pd.DataFrame:
    """``year, stream, positions, share`` for one province (ESDC table 13; Total included)."""
    _require(streams, province, streams.attrs.get("file", "table 13"))
    rows = streams[(streams["province"] == province)
                   & (streams["measure"] == "positions_positive")]
    totals = rows[rows["stream"] == tfwp.TOTAL].set_index("year")["value"]
    out = rows[["year", "stream", "value"]].rename(columns={"value": "positions"})
    out["share"] = (out["positions"].astype("Float64")
                    / out["year"].map(totals).astype("Float64")).astype(float)
    out.insert(0, "province", province)
    return out.sort_values("year", kind="stable").reset_index(drop=True)


def outside_agriculture(streams: pd.DataFrame, province: str,
                        agriculture: str = "Primary Agriculture") -> pd.DataFrame:
    """Per year: all positions, those in primary agriculture, those outside it and their share."""
    _require(streams, province, streams.attrs.get("file", "table 13"))
    rows = streams[(streams["province"] == province)
                   & (streams["measure"] == "positions_positive")]
    wide = rows.pivot(index="year", columns="stream", values="value")
    if agriculture not in wide:
        raise InputError(Problem(streams.attrs.get("file", "table 13"), f"no stream named "
                                 f"{agriculture!r}; the table has {', '.join(wide.columns)}: fix "
                                 "streams.agriculture in params/context.yaml"))
    out = pd.DataFrame({"total": wide[tfwp.TOTAL], "agriculture": wide[agriculture]})
    out["outside_agriculture"] = out["total"] - out["agriculture"]
    out["share_outside"] = (out["outside_agriculture"].astype("Float64")
                            / out["total"].astype("Float64")).astype(float)
    out.insert(0, "province", province)
    return out.reset_index()


def leading_occupations(occupations: pd.DataFrame, province: str, n: int = 10,
                        year: int | None = None) -> pd.DataFrame:
    """The ``n`` occupations with most positions on positive LMIAs in ``year`` (default: latest).

    ``rank, code, occupation, positions, share`` (share of the province's positions).
    """
    _require(occupations, province, occupations.attrs.get("file", "table 7"))
    year = int(occupations["year"].max()) if year is None else year
    rows = occupations[(occupations["province"] == province) & (occupations["year"] == year)
                       & (occupations["measure"] == "positions_positive")]
    total = rows.loc[rows["occupation"] == tfwp.TOTAL, "value"].sum()
    detail = rows[rows["occupation"] != tfwp.TOTAL].dropna(subset=["value"])
    detail = detail.sort_values(["value", "code"], ascending=[False, True]).head(n)
    out = pd.DataFrame({
        "rank": range(1, len(detail) + 1), "year": year, "code": detail["code"].to_numpy(),
        "occupation": detail["occupation"].str.replace(r"^\S+\s*-\s*", "", regex=True).to_numpy(),
        "positions": detail["value"].to_numpy(),
    })
    out["share"] = out["positions"].astype(float) / float(total) if total else float("nan")
    out.insert(0, "province", province)
    return out


def every_province(function, frame: pd.DataFrame, *args) -> pd.DataFrame:
    """``function(frame, province, *args)`` for every province the table names (Canada
    included), one after another: the national context's per-province tables.

    ``function`` is :func:`positions_by_stream`, :func:`outside_agriculture` or
    :func:`leading_occupations`; the columns are its own.
    """
    parts = [function(frame, province, *args) for province in sorted(frame["province"].unique())]
    return pd.concat(parts, ignore_index=True)


def for_province(frame: pd.DataFrame, province: str, what: str) -> pd.DataFrame:
    """One province's rows of a national context table (:func:`every_province`).

    Raises
    ------
    InputError
        When the table has no row for ``province``, naming the params key to fix.
    """
    _require(frame, province, what)
    return frame[frame["province"] == province].reset_index(drop=True)


def _province_totals(streams: pd.DataFrame, year: int) -> pd.Series:
    rows = streams[(streams["stream"] == tfwp.TOTAL) & (streams["year"] == year)
                   & (streams["province"] != tfwp.CANADA)
                   & (streams["measure"] == "positions_positive")]
    return rows.set_index("province")["value"].astype(float)


def _holders(permits: pd.DataFrame, year: int) -> pd.Series:
    rows = permits[(permits["level"] == "province") & (permits["year"] == year)
                   & ~permits["province"].str.lower().str.contains(NOT_STATED)]
    return rows.set_index("province")["value"].astype(float)


def standing(streams: pd.DataFrame, permits: pd.DataFrame) -> pd.DataFrame:
    """Every province/territory: positions (latest ESDC year), work-permit holders (latest
    IRCC year), their shares of Canada and ranks (1 = most)."""
    year, permit_year = int(streams["year"].max()), int(permits["year"].max())
    positions = _province_totals(streams, year)
    holders = _holders(permits, permit_year).reindex(positions.index)
    canada = streams[(streams["province"] == tfwp.CANADA) & (streams["stream"] == tfwp.TOTAL)
                     & (streams["year"] == year)]["value"].astype(float).sum()
    all_holders = permits[(permits["level"] == "canada")
                          & (permits["year"] == permit_year)]["value"].astype(float).sum()
    out = pd.DataFrame({
        "province": positions.index, "year": year, "positions": positions.to_numpy(),
        "share_of_canada": (positions / canada).to_numpy(),
        "permit_year": permit_year, "work_permit_holders": holders.to_numpy(),
        "holders_share_of_canada": (holders / all_holders).to_numpy(),
    })
    out["rank_positions"] = out["positions"].rank(ascending=False, method="min").astype(int)
    out["rank_holders"] = out["work_permit_holders"].rank(ascending=False, method="min")
    out = out.sort_values(["rank_positions", "province"]).reset_index(drop=True)
    return out


def needs_indicators(streams: pd.DataFrame, permits: pd.DataFrame,
                     low_wage: str = "Low-Wage",
                     agriculture: str = "Primary Agriculture") -> pd.DataFrame:
    """The raw indicators of need for every province/territory.

    ``workforce``: TFWP work-permit holders on the latest December 31 (IRCC);
    ``growth``: relative change in positions on positive LMIAs from the first to
    the latest year of table 13; ``low_wage_share`` and ``agriculture_share``:
    the share of the latest year's positions in those streams.
    """
    first, last = int(streams["year"].min()), int(streams["year"].max())
    rows = streams[(streams["province"] != tfwp.CANADA)
                   & (streams["measure"] == "positions_positive")]
    wide = rows.pivot_table(index="province", columns=["year", "stream"], values="value",
                            aggfunc="sum").astype(float)
    for stream in (low_wage, agriculture):
        if (last, stream) not in wide:
            raise InputError(Problem(streams.attrs.get("file", "table 13"), f"no stream named "
                                     f"{stream!r} in {last}: fix streams in params/context.yaml"))
    total_last, total_first = wide[(last, tfwp.TOTAL)], wide[(first, tfwp.TOTAL)]
    out = pd.DataFrame({
        "positions": total_last,
        "workforce": _holders(permits, int(permits["year"].max())).reindex(wide.index),
        "growth": (total_last - total_first) / total_first.where(total_first > 0),
        "low_wage_share": wide[(last, low_wage)] / total_last.where(total_last > 0),
        "agriculture_share": wide[(last, agriculture)] / total_last.where(total_last > 0),
    })
    out.index.name = "province"
    out = out.reset_index()
    out.insert(1, "first_year", first)
    out.insert(2, "last_year", last)
    out.insert(3, "permit_year", int(permits["year"].max()))
    return out


def needs_ranking(indicators: pd.DataFrame, weights: dict[str, float], min_positions: int = 0,
                  networks: list[str] = ()) -> pd.DataFrame:
    """Rank provinces/territories by need for the Network, transparently.

    Among the provinces ranked (at least ``min_positions`` positions and no
    Network in place), each indicator is rescaled to 0 (lowest) .. 1
    (highest); the ``score`` is the weighted average of the rescaled
    indicators (weights divided by their sum); rank 1 = most need. Provinces
    not ranked are kept with ``ranked`` False and the ``reason``.
    """
    unknown = set(weights) - set(INDICATORS)
    if unknown:
        raise ValueError(f"unknown indicators {sorted(unknown)}; known: {INDICATORS}")
    total = sum(weights.values())
    if total <= 0:
        raise ValueError("at least one weight must be above 0")
    out = indicators.copy()
    out["network_in_place"] = out["province"].isin(list(networks))
    small = out["positions"].fillna(0) < min_positions
    out["reason"] = None
    out.loc[small, "reason"] = "few_positions"
    out.loc[out["network_in_place"], "reason"] = "network_in_place"
    out["ranked"] = out["reason"].isna()
    ranked = out["ranked"]
    out["score"] = 0.0
    for name in INDICATORS:
        values = out.loc[ranked, name].astype(float)
        if values.isna().any():
            missing = ", ".join(out.loc[ranked & out[name].isna(), "province"])
            raise InputError(Problem("needs assessment", f"indicator {name!r} is missing for "
                                     f"{missing}: check the published tables"))
        low, high = values.min(), values.max()
        scaled = (values - low) / (high - low) if high > low else values * 0.0
        out[f"{name}_scaled"] = scaled.reindex(out.index)
        out.loc[ranked, "score"] += weights.get(name, 0.0) / total * scaled
    out.loc[~ranked, "score"] = float("nan")
    out["rank"] = out["score"].rank(ascending=False, method="min").astype("Int64")
    out = out.sort_values(["ranked", "score", "province"], ascending=[False, False, True])
    return out.reset_index(drop=True)


def weights(settings: Settings) -> dict[str, float]:
    return {name: w.weight for name, w in settings.needs_assessment.weights.items()}


def weights_table(settings: Settings) -> pd.DataFrame:
    """The weights as the report shows them: ``indicator, weight, share, explanation_en/fr``."""
    weights = settings.needs_assessment.weights
    total = sum(w.weight for w in weights.values())
    return pd.DataFrame([{
        "indicator": name, "weight": weights[name].weight if name in weights else 0.0,
        "share": (weights[name].weight if name in weights else 0.0) / total,
        "explanation_en": weights[name].explanation.en if name in weights else "",
        "explanation_fr": weights[name].explanation.fr if name in weights else "",
        "min_positions": settings.needs_assessment.min_positions,
    } for name in INDICATORS])


def total_checks(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Published totals that differ from the sum of their detail rows, table by table."""
    parts = []
    for name, frame in tables.items():
        checks = tfwp.check_totals(frame)
        checks = checks[~checks["agrees"]].copy()
        checks.insert(0, "name", name)
        parts.append(checks)
    out = pd.concat(parts, ignore_index=True)
    for column in ("published", "sum_of_detail", "difference"):
        out[column] = out[column].astype("Float64")
    return out
