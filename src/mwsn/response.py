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

import pandas as pd

from mwsn.config import Action

RESPONSES = ("agree", "partly", "disagree")
STATUSES = ("done", "in_progress", "not_started")


def progress(actions: list[Action], as_of: str) -> pd.DataFrame:
    """Each action with where it stands on ``as_of`` (a month, ``YYYY-MM``).

    Returns
    -------
    pandas.DataFrame
        ``consideration, response, due, status, tracking``: ``tracking`` is
        ``status``, except that an action not done whose ``due`` month is
        before ``as_of`` reads ``late``.
    """
    rows = [{"consideration": a.consideration, "response": a.response, "due": a.due,
             "status": a.status,
             "tracking": "late" if a.status != "done" and a.due < as_of else a.status}
            for a in actions]
    return pd.DataFrame(rows, columns=["consideration", "response", "due", "status",
                                       "tracking"])
