"""Funding Program and Network Meetings metrics, and who took part in the assessment.

Pure functions over the processed tables (``funding``, ``meetings``,
``recommendations``, ``participants``): frames in, tidy frames out. A
jurisdiction without a Network in place has none of the program tables; the
metrics are then simply absent, never zero.
"""

from __future__ import annotations

import pandas as pd


#: the four Network Meeting types of the program's design
MEETING_TYPES = ("plenary", "working_group", "migrant_workers_forum", "government_network")
#: what became of a recommendation that counts as "acted on"
ACTED_ON = ("implemented",)

#: metrics that count categories (meeting types, stakeholder groups), not people or records:
#: no small-count rule applies to them
CATEGORY_COUNTS = ("meeting_types_held", "stakeholder_groups_attending")
METRIC_COLUMNS = ["metric", "component", "unit", "estimate", "ci_low", "ci_high", "count", "n"]
#: the raw sources that hold program data (absent where no Network is in place)
PROGRAM_SOURCES = ("funding", "meetings", "recommendations")


def sources_in(params) -> list[str]:
    """The program sources a jurisdiction's params declare."""
    return [name for name in PROGRAM_SOURCES if name in params.sources]


# -- who took part in the assessment -----------------------------------------------------------

def stakeholder_profile(participants: pd.DataFrame) -> pd.DataFrame:
    """Distinct stakeholders by group (rows) and line of evidence (columns), with a total.

    A person who took part through two lines counts once in ``total``.
    """
    counts = (participants.groupby(["stakeholder_group", "line_of_evidence"]).size()
              .unstack(fill_value=0))
    counts.columns = [str(c) for c in counts.columns]
    total = participants.groupby("stakeholder_group")["participant"].nunique()
    counts["total"] = total.reindex(counts.index).fillna(0).astype(int)
    counts.index = counts.index.astype(str)
    return counts.reset_index()


def participation_against_target(participants: pd.DataFrame,
                                 targets: dict[str, int]) -> pd.DataFrame:
    """Stakeholders who took part against the sample target of each group.

    Returns ``stakeholder_group, target, took_part, against_target`` with a row
    ``all``. ``against_target = took_part / target`` is participation against the
    number sought, not a response rate: a response rate (AAPOR 2016, RR1-RR6) divides
    by the eligible people *invited*, which the params do not record.
    """
    took_part = participants.groupby("stakeholder_group")["participant"].nunique()
    rows = [{"stakeholder_group": group, "target": int(target),
             "took_part": int(took_part.get(group, 0))} for group, target in targets.items()]
    rows.append({"stakeholder_group": "all", "target": int(sum(targets.values())),
                 "took_part": int(participants["participant"].nunique())})
    out = pd.DataFrame(rows, columns=["stakeholder_group", "target", "took_part"])
    out["against_target"] = out["took_part"] / out["target"].where(out["target"] > 0)
    return out


def sectors(survey: pd.DataFrame) -> pd.DataFrame:
    """Survey respondents by stakeholder group and sector (``stakeholder_group, sector, n``);
    no rows when the survey did not ask the sector."""
    if "sector" not in survey.columns or survey["sector"].isna().all():
        return pd.DataFrame({"stakeholder_group": pd.Series(dtype=str),
                             "sector": pd.Series(dtype=str), "n": pd.Series(dtype="int64")})
    table = (survey.assign(sector=survey["sector"].fillna("not_applicable"))
             .groupby(["stakeholder_group", "sector"]).size().rename("n").reset_index())
    return table.astype({"stakeholder_group": str, "sector": str})


# -- Funding Program -----------------------------------------------------------------------

def spending_by_year(funding: pd.DataFrame | None, budget: float) -> pd.DataFrame:
    """Agreed and spent amounts by fiscal year, with the cumulative share of the budget.

    Returns ``fiscal_year, agreed, spent, cumulative_spent, share_of_budget``
    (no rows without a ledger).
    """
    if funding is None:
        return pd.DataFrame(columns=["fiscal_year", "agreed", "spent", "cumulative_spent",
                                     "share_of_budget"])
    by_type = funding.pivot_table(index="fiscal_year", columns="entry_type", values="amount_cad",
                                  aggfunc="sum", fill_value=0)
    out = pd.DataFrame({
        "fiscal_year": by_type.index.astype(str),
        "agreed": by_type.get("agreement", pd.Series(0, index=by_type.index)).to_numpy(float),
        "spent": by_type.get("expenditure", pd.Series(0, index=by_type.index)).to_numpy(float),
    })
    out["cumulative_spent"] = out["spent"].cumsum()
    out["share_of_budget"] = out["cumulative_spent"] / budget
    return out.reset_index(drop=True)


def recipients(funding: pd.DataFrame | None) -> pd.DataFrame:
    """Per funding recipient: amount agreed, spent, share spent, sub-grants, workers reached."""
    rows = []
    # a column the ledger left blank throughout (or lacks) was not collected: no count of 0
    named = funding is not None and funding["sub_grantee"].notna().any()
    reached = funding is not None and funding["workers_reached"].notna().any()
    for recipient, part in ([] if funding is None else funding.groupby("recipient", sort=True)):
        agreed = part.loc[part["entry_type"] == "agreement", "amount_cad"].sum()
        spent = part.loc[part["entry_type"] == "expenditure", "amount_cad"].sum()
        subs = part[part["entry_type"] == "sub_grant"]
        rows.append({"recipient": str(recipient), "agreed": float(agreed), "spent": float(spent),
                     "share_spent": spent / agreed if agreed else float("nan"),
                     "sub_grants": int(subs["sub_grantee"].nunique()) if named else pd.NA,
                     "sub_granted": float(subs["amount_cad"].sum()),
                     "workers_reached": (int(part["workers_reached"].fillna(0).sum())
                                         if reached else pd.NA)})
    out = pd.DataFrame(rows, columns=["recipient", "agreed", "spent", "share_spent",
                                      "sub_grants", "sub_granted", "workers_reached"])
    return out.astype({"sub_grants": "Int64", "workers_reached": "Int64"})


# -- Network Meetings ----------------------------------------------------------------------

def meetings_by_type(meetings: pd.DataFrame | None) -> pd.DataFrame:
    """Meetings held and attendance by meeting type (``meeting_type, meetings, attendees``)."""
    if meetings is None:
        return pd.DataFrame(columns=["meeting_type", "meetings", "attendees"])
    held = meetings.groupby("meeting_type")["meeting_id"].nunique()
    attendees = meetings.groupby("meeting_type")["attendees"].sum()
    out = pd.DataFrame({"meeting_type": list(MEETING_TYPES)})
    out["meetings"] = out["meeting_type"].map(held).fillna(0).astype(int)
    out["attendees"] = out["meeting_type"].map(attendees).fillna(0).astype(int)
    return out


def attendance_by_group(meetings: pd.DataFrame | None) -> pd.DataFrame:
    """Total attendance by meeting type (rows) and stakeholder group (columns)."""
    if meetings is None:
        return pd.DataFrame(columns=["meeting_type"])
    table = meetings.pivot_table(index="meeting_type", columns="stakeholder_group",
                                 values="attendees", aggfunc="sum", fill_value=0)
    table = table.reindex([t for t in MEETING_TYPES if t in table.index])
    table.columns = [str(c) for c in table.columns]
    table.index = table.index.astype(str)
    return table.reset_index()


def recommendation_outcomes(recommendations: pd.DataFrame | None) -> pd.DataFrame:
    """Recommendations by what became of them (``status, recommendations, share``)."""
    if recommendations is None:
        return pd.DataFrame(columns=["status", "recommendations", "share"])
    counts = recommendations["status"].astype(str).value_counts()
    order = ["implemented", "under_consideration", "no_response"]
    order += [s for s in counts.index if s not in order]
    out = pd.DataFrame({"status": order})
    out["recommendations"] = out["status"].map(counts).fillna(0).astype(int)
    total = out["recommendations"].sum()
    out["share"] = out["recommendations"] / total if total else float("nan")
    return out


# -- metrics that feed the evaluation matrix -------------------------------------------------

def _metric(metric, component, unit, estimate, n, count=None, ci=(None, None)) -> dict:
    return {"metric": metric, "component": component, "unit": unit, "estimate": estimate,
            "ci_low": ci[0], "ci_high": ci[1], "count": count, "n": n}


def metrics(tables: dict[str, pd.DataFrame], budget: float) -> pd.DataFrame:
    """Program metrics named in the evaluation matrix, from whichever program tables exist.

    ``tables`` may hold ``funding``, ``meetings`` and ``recommendations``; a
    metric whose table is absent is left out. ``n`` is the number of records
    behind each metric. Every metric counts all the records (a complete count, not a
    sample), so none carries a confidence interval.
    """
    rows = []
    funding = tables.get("funding")
    if funding is not None and len(funding):
        spent = funding.loc[funding["entry_type"] == "expenditure", "amount_cad"].sum()
        subs = funding.loc[funding["entry_type"] == "sub_grant"]
        # a column the ledger left blank throughout (or lacks) was not collected: no data,
        # not a count of 0
        named = subs["sub_grantee"].notna().any() or not len(subs)
        reached = funding["workers_reached"].notna()
        rows += [
            _metric("budget_spent_share", "funding_program", "share", spent / budget,
                    len(funding)),
            _metric("sub_grantees", "funding_program", "count",
                    int(subs["sub_grantee"].nunique()) if named else float("nan"),
                    len(subs) if named else 0),
            _metric("funding_recipients", "funding_program", "count",
                    int(funding["recipient"].nunique()), len(funding)),
            _metric("workers_reached", "funding_program", "count",
                    int(funding["workers_reached"].fillna(0).sum()) if reached.any()
                    else float("nan"), int(reached.sum())),
        ]
    meetings = tables.get("meetings")
    if meetings is not None and len(meetings):
        present = meetings[meetings["attendees"] > 0]
        total = meetings["attendees"].sum()
        workers = meetings.loc[meetings["stakeholder_group"] == "migrant_worker",
                               "attendees"].sum()
        rows += [
            _metric("meetings_held", "network_meetings", "count",
                    int(meetings["meeting_id"].nunique()), int(meetings["meeting_id"].nunique())),
            _metric("meeting_types_held", "network_meetings", "count",
                    int(meetings.loc[meetings["meeting_type"].isin(MEETING_TYPES),
                                     "meeting_type"].nunique()),
                    int(meetings["meeting_id"].nunique())),
            _metric("stakeholder_groups_attending", "network_meetings", "count",
                    int(present["stakeholder_group"].nunique()),
                    int(meetings["meeting_id"].nunique())),
            _metric("migrant_worker_attendance_share", "network_meetings", "share",
                    workers / total if total else float("nan"), int(total), int(workers)),
        ]
    recommendations = tables.get("recommendations")
    if recommendations is not None and len(recommendations):
        acted = int(recommendations["status"].isin(ACTED_ON).sum())
        # every recommendation is counted (not a sample of them): no interval
        rows.append(_metric("recommendations_acted_on", "network_meetings", "share",
                            acted / len(recommendations), len(recommendations), acted))
        rows.append(_metric("recommendations_made", "network_meetings", "count",
                            len(recommendations), len(recommendations)))
    out = pd.DataFrame(rows, columns=METRIC_COLUMNS)
    return out.astype({"estimate": float, "ci_low": float, "ci_high": float,
                       "count": "Int64", "n": "Int64"})
