"""Management response and action plan: the program's answer to each consideration.

A Government of Canada evaluation ends with a management response and action
plan (Treasury Board *Policy on Results*, 2016; the *Standard on Evaluation*
asks for one for every recommendation): for each consideration, whether
management agrees, what it will do, the role responsible and the date it will
be done by. It is read from the jurisdiction's params file
(``management_response:``), checked like every params file, and tracked: an
action not done by its date reads *late* at the date the report is made as of
(the end of the period the data cover).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from mwsn.config import Action

RESPONSES = ("agree", "partly", "disagree")
STATUSES = ("done", "in_progress", "not_started")


def status_at(action: Action, wave: str | None = None, waves: Sequence[str] = ()) -> str:
    """Where ``action`` stood at ``wave``: its ``progress`` entry for that wave, else the
    last one recorded before it (``not_started`` before any); ``status`` when the action
    records no progress or the jurisdiction has no waves (``wave`` is ``None``)."""
    if wave is None or not action.progress:
        return action.status
    upto = list(waves)[:list(waves).index(wave) + 1] if wave in waves else [wave]
    recorded = [action.progress[w] for w in upto if w in action.progress]
    return recorded[-1] if recorded else "not_started"


def tracking(status: str, due: str, as_of: str) -> str:
    """``status``, or ``late`` for an action not done whose ``due`` month is before ``as_of``."""
    return "late" if status != "done" and due < as_of else status


def progress(actions: list[Action], as_of: str, wave: str | None = None,
             waves: Sequence[str] = ()) -> pd.DataFrame:
    """Each action with where it stands on ``as_of`` (a month, ``YYYY-MM``).

    Parameters
    ----------
    actions : list of mwsn.config.Action
    as_of : str
        ``YYYY-MM``: the end of the period the report covers (a wave's period end).
    wave : str, optional
        The wave the report is made for (its status is :func:`status_at` that wave).
    waves : sequence of str
        The jurisdiction's wave ids, oldest first.

    Returns
    -------
    pandas.DataFrame
        ``consideration, response, due, status, tracking``: ``tracking`` is
        ``status``, except that an action not done whose ``due`` month is
        before ``as_of`` reads ``late``.
    """
    rows = []
    for a in actions:
        status = status_at(a, wave, waves)
        rows.append({"consideration": a.consideration, "response": a.response, "due": a.due,
                     "status": status, "tracking": tracking(status, a.due, as_of)})
    return pd.DataFrame(rows, columns=["consideration", "response", "due", "status",
                                       "tracking"])


def history(actions: list[Action], rounds: Sequence[tuple[str | None, str]]) -> pd.DataFrame:
    """Each action's tracking in each round up to the report's: its history across waves.

    Parameters
    ----------
    actions : list of mwsn.config.Action
    rounds : sequence of (wave id, period end)
        Oldest first (:func:`mwsn.trends.rounds_so_far`).

    Returns
    -------
    pandas.DataFrame
        ``consideration, wave, as_of, status, tracking``: one row per action × round,
        ``tracking`` judged at that round's period end (``late`` when not done by its due
        month).
    """
    waves = [w for w, _ in rounds if w is not None]
    rows = [{"consideration": a.consideration, "wave": wave, "as_of": end,
             "status": (status := status_at(a, wave, waves)),
             "tracking": tracking(status, a.due, end)}
            for a in actions for wave, end in rounds]
    return pd.DataFrame(rows, columns=["consideration", "wave", "as_of", "status", "tracking"])
