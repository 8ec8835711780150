"""Qualitative evidence: agreement between coders, code frequencies, SWOT.

Functions take tidy frames or arrays and return tidy DataFrames, as
``mwsn.stats`` does. Agreement statistics wrap statsmodels and the
``krippendorff`` package; tests check them against published values
(``tests/test_qualitative.py``; methods in ``docs/methods.md``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

# -- agreement between coders ---------------------------------------------------------------------

_KAPPA_WEIGHTS = {None: None, "none": None, "linear": "linear", "quadratic": "quadratic"}


def cohen_kappa(a, b, weights: str | None = None, categories: Sequence | None = None,
                alpha: float = 0.05) -> pd.DataFrame:
    """Cohen's kappa between two coders, unweighted or weighted, with its standard error.

    ``a`` and ``b`` are the two coders' codes for the same units; units that
    either coder left uncoded (missing) are dropped. The agreement table is
    built over ``categories`` (default: the sorted codes either coder used,
    as R's ``irr::kappa2`` does), and
    ``statsmodels.stats.inter_rater.cohens_kappa(table, wt=...)`` computes
    ``kappa = (p_o − p_e) / (1 − p_e)`` (Cohen 1960). ``weights``:
    ``None`` (exact agreement only), ``"linear"`` (Cicchetti–Allison) or
    ``"quadratic"`` (Fleiss–Cohen) disagreement weights on the categories'
    positions 0, 1, ..., k−1 (Cohen 1968).

    Returns ``kappa, se, ci_low, ci_high, z, p_value, n, weights, note``:
    ``se`` is the large-sample SE of Fleiss, Cohen & Everitt (1969) used for
    the CI ``kappa ± z·se``, clipped to [−1, 1] (kappa's range; the note says so); ``z`` and ``p_value`` test kappa = 0 with the
    SE under that hypothesis (as SAS PROC FREQ and irr print). When both
    coders used a single and the same category, chance agreement is 1 and
    kappa is undefined: NaN with a note.

    Verified against the SAS PROC FREQ AGREE example (kappa 0.4842, ASE
    0.1380; weighted 0.4701) and R ``irr::kappa2`` on the ``anxiety`` data.

    >>> cohen_kappa(["x", "x", "y", "y"], ["x", "y", "y", "y"])["kappa"].round(3).tolist()
    [0.5]
    """
    from statsmodels.stats.inter_rater import cohens_kappa

    if weights not in _KAPPA_WEIGHTS:
        raise ValueError(f"weights must be None, 'linear' or 'quadratic', not {weights!r}")
    pairs = pd.DataFrame({"a": list(a), "b": list(b)}).dropna()
    n = len(pairs)
    row = {"kappa": np.nan, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "z": np.nan,
           "p_value": np.nan, "n": n, "weights": weights or "none", "note": ""}
    if n == 0:
        return pd.DataFrame([{**row, "note": "no unit coded by both coders"}])
    cats = list(categories) if categories is not None else sorted(
        set(pairs["a"]) | set(pairs["b"]))
    outside = (set(pairs["a"]) | set(pairs["b"])) - set(cats)
    if outside:
        raise ValueError(f"cohen_kappa: codes {sorted(map(str, outside))} are not among "
                         "the categories given")
    table = pd.crosstab(pd.Categorical(pairs["a"], categories=cats),
                        pd.Categorical(pairs["b"], categories=cats), dropna=False).to_numpy()
    margins = table.sum(axis=0) / n * table.sum(axis=1) / n
    if len(cats) < 2 or np.isclose(margins.sum(), 1.0):
        return pd.DataFrame([{**row, "note": "both coders used one and the same category only: "
                                             "chance agreement is 1, kappa undefined"}])
    wt = _KAPPA_WEIGHTS[weights]
    res = cohens_kappa(table, wt=wt) if wt else cohens_kappa(table)
    q = sps.norm.isf(alpha / 2)
    se0 = float(res.std_kappa0)
    z = float(res.kappa) / se0 if se0 > 0 else np.nan
    low = float(res.kappa) - q * float(res.std_kappa)
    high = float(res.kappa) + q * float(res.std_kappa)
    # kappa lies in [-1, 1]: a Wald interval reaching past it is clipped, and says so
    clipped = low < -1 or high > 1
    return pd.DataFrame([{**row, "kappa": float(res.kappa), "se": float(res.std_kappa),
                          "ci_low": max(low, -1.0), "ci_high": min(high, 1.0),
                          "z": z, "p_value": 2 * sps.norm.sf(abs(z)) if se0 > 0 else np.nan,
                          "note": "interval clipped to [-1, 1], the range of kappa"
                          if clipped else ""}])


def fleiss_kappa(ratings) -> pd.DataFrame:
    """Fleiss' kappa for several coders who each coded every unit.

    ``ratings`` is units × coders (each cell the category a coder gave a
    unit). Units with any missing code are dropped: Fleiss' kappa needs the
    same number of coders per unit (use :func:`krippendorff_alpha` when codes
    are missing). ``statsmodels.stats.inter_rater.aggregate_raters`` counts
    the coders per unit and category and ``fleiss_kappa(counts,
    method="fleiss")`` computes ``kappa = (P̄ − P̄_e)/(1 − P̄_e)`` (Fleiss 1971).
    ``z = kappa / se0`` tests kappa = 0 with Fleiss, Nee & Landis' (1979)
    SE under that hypothesis
    ``se0 = sqrt(2) / (Σ p_j q_j · sqrt(N m (m−1))) · sqrt((Σ p_j q_j)² − Σ p_j q_j (q_j − p_j))``,
    as R's ``irr::kappam.fleiss`` prints it.

    Returns ``kappa, z, p_value, n_units, n_coders, n_categories, note``.
    If every code is the same category, chance agreement is 1 and kappa is
    undefined: NaN with a note.

    Verified against Fleiss (1971), 30 patients × 6 psychiatrists: kappa 0.430
    (irr: 0.4302445, z = 17.65183).

    >>> fleiss_kappa([[1, 1, 1], [2, 2, 2], [1, 2, 2]])["kappa"].round(4).tolist()
    [0.55]
    """
    from statsmodels.stats.inter_rater import aggregate_raters
    from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

    data = pd.DataFrame(ratings).dropna()
    n_units, m = data.shape
    row = {"kappa": np.nan, "z": np.nan, "p_value": np.nan, "n_units": n_units, "n_coders": m,
           "n_categories": 0, "note": ""}
    if n_units == 0 or m < 2:
        return pd.DataFrame([{**row, "note": "need at least one unit coded by two or more coders"}])
    codes = pd.DataFrame({c: pd.Categorical(data[c], categories=sorted(
        pd.unique(data.to_numpy().ravel()))).codes for c in data.columns})
    counts, _ = aggregate_raters(codes.to_numpy())
    row["n_categories"] = counts.shape[1]
    p = counts.sum(axis=0) / (n_units * m)
    pq = p * (1 - p)
    if pq.sum() == 0:
        return pd.DataFrame([{**row, "note": "every code is the same category: "
                                             "chance agreement is 1, kappa undefined"}])
    kappa = float(sm_fleiss(counts, method="fleiss"))
    se0 = (np.sqrt(2) / (pq.sum() * np.sqrt(n_units * m * (m - 1)))
           * np.sqrt(pq.sum() ** 2 - (pq * ((1 - p) - p)).sum()))
    z = kappa / se0
    return pd.DataFrame([{**row, "kappa": kappa, "z": float(z),
                          "p_value": float(2 * sps.norm.sf(abs(z)))}])


_LEVELS = ("nominal", "ordinal", "interval", "ratio")


def krippendorff_alpha(data, level: str = "nominal") -> pd.DataFrame:
    """Krippendorff's alpha for any number of coders, with missing codes allowed.

    ``data`` is the reliability data matrix, coders × units (rows are coders,
    columns are units; missing where a coder did not code a unit). Codes are
    numbers, or, at the nominal level only, any labels (such as theme codes),
    which are numbered in sorted order first. ``krippendorff.alpha(reliability_data=data,
    level_of_measurement=level)`` computes ``alpha = 1 − D_o / D_e``
    (observed over expected disagreement, with the difference function of
    the level: nominal, ordinal, interval or ratio; Krippendorff 2011).
    Units coded by fewer than two coders are not pairable and are ignored.

    Returns ``alpha, level, n_units, n_pairable, n_coders, note``. If every
    pairable value is the same, expected disagreement is 0 and alpha is
    undefined: NaN with a note. No pairable unit: NaN with a note.

    Verified against Krippendorff (2011) "Computing Krippendorff's
    Alpha-Reliability", 4 coders × 12 units with missing data: nominal
    0.743, ordinal 0.815, interval 0.849, ratio 0.797.

    >>> krippendorff_alpha([[1, 2, 3, 3], [1, 2, 3, 4]], "interval")["alpha"].round(3).tolist()
    [0.889]
    """
    import krippendorff

    if level not in _LEVELS:
        raise ValueError(f"level must be one of {list(_LEVELS)}, not {level!r}")
    frame = pd.DataFrame(data)
    numeric = frame.apply(pd.to_numeric, errors="coerce")
    labels = numeric.isna() & frame.notna()
    if labels.any().any():
        if level != "nominal":
            example = frame.to_numpy()[labels.to_numpy()][0]
            raise ValueError(f"krippendorff_alpha: codes such as {example!r} are not numbers; "
                             "only the nominal level accepts labels")
        codes = sorted({str(v) for v in frame.to_numpy().ravel() if pd.notna(v)})
        numbering = {code: i for i, code in enumerate(codes)}
        numeric = frame.apply(lambda column: column.map(
            lambda v: numbering[str(v)] if pd.notna(v) else np.nan))
    matrix = np.asarray(numeric, dtype=float)
    pairable = (~np.isnan(matrix)).sum(axis=0) >= 2
    row = {"alpha": np.nan, "level": level, "n_units": matrix.shape[1],
           "n_pairable": int(pairable.sum()), "n_coders": matrix.shape[0], "note": ""}
    if not pairable.any():
        return pd.DataFrame([{**row, "note": "no unit coded by two or more coders"}])
    values = matrix[:, pairable]
    if len(np.unique(values[~np.isnan(values)])) < 2:
        return pd.DataFrame([{**row, "note": "every code is the same value: "
                                             "no expected disagreement, alpha undefined"}])
    alpha = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
    return pd.DataFrame([{**row, "alpha": float(alpha)}])


# -- code frequencies and SWOT -------------------------------------------------------------

QUALITATIVE_LINES = ("interview", "focus_group")
SWOT_ORDER = ("strength", "weakness", "opportunity", "threat")


def main_coding(excerpts: pd.DataFrame) -> pd.DataFrame:
    """One coding per excerpt: the main coder's (the coder of the most excerpts).

    The double-coded subset is for agreement only; counting it twice would
    inflate mentions.
    """
    if excerpts.empty:
        return excerpts
    main = excerpts.groupby("coder")["excerpt_id"].nunique().sort_index()
    main_coder = main.idxmax()
    coded = excerpts[excerpts["coder"] == main_coder]
    missing = ~excerpts["excerpt_id"].isin(coded["excerpt_id"])
    extra = excerpts[missing].drop_duplicates("excerpt_id")
    return pd.concat([coded, extra]).sort_values("excerpt_id", ignore_index=True)


def code_share(excerpts: pd.DataFrame, code: str, groups: list[str] | None = None,
               lines: tuple[str, ...] = QUALITATIVE_LINES, coded: bool = False) -> dict:
    """Participants (of ``groups``, in ``lines``) with at least one excerpt coded ``code``.

    Returns ``{"count": mentioning, "n": participants, "share": count / n,
    "groups_mentioned": focus groups where someone raised it, "groups_total": focus
    groups}``. Focus-group participants speak in front of one another, so their
    mentions are not independent: the focus groups (sessions) are counted as units
    too (Maxwell 2010). ``coded=True`` when ``excerpts`` already holds the main
    coder's coding only (:func:`main_coding`).
    """
    base = excerpts if coded else main_coding(excerpts)
    base = base[base["line_of_evidence"].isin(lines)]
    if groups:
        base = base[base["stakeholder_group"].isin(groups)]
    n = int(base["participant"].nunique())
    count = int(base.loc[base["code"] == code, "participant"].nunique())
    sessions = base[base["line_of_evidence"] == "focus_group"]
    return {"count": count, "n": n, "share": count / n if n else float("nan"),
            "groups_mentioned": int(sessions.loc[sessions["code"] == code,
                                                 "session_id"].nunique()),
            "groups_total": int(sessions["session_id"].nunique())}


def code_frequencies(excerpts: pd.DataFrame,
                     by: tuple[str, ...] = ("stakeholder_group",)) -> pd.DataFrame:
    """Per code and group: participants mentioning it, participants in the group, share.

    Returns ``code, swot, <by...>, mentioned, participants, share`` (main coder's
    coding, interview and focus-group lines). ``by`` may hold
    ``stakeholder_group`` and/or ``line_of_evidence``; ``()`` gives all participants.
    """
    coded = main_coding(excerpts)
    coded = coded[coded["line_of_evidence"].isin(QUALITATIVE_LINES)]
    by = list(by)
    swot = coded.drop_duplicates("code").set_index("code")["swot"]
    if by:
        sizes = coded.groupby(by)["participant"].nunique().rename("participants")
        mentioned = coded.groupby(["code", *by])["participant"].nunique().rename("mentioned")
        out = mentioned.reset_index().merge(sizes.reset_index(), on=by)
    else:
        mentioned = coded.groupby("code")["participant"].nunique().rename("mentioned")
        out = mentioned.reset_index()
        out["participants"] = coded["participant"].nunique()
    out["share"] = out["mentioned"] / out["participants"]
    out.insert(1, "swot", out["code"].map(swot).astype("string"))
    return out.sort_values(["code", *by], ignore_index=True).astype({"code": str})


def in_words(share: float, thresholds: list[dict]) -> str:
    """The evaluators' word for a share of participants ("most", "some", "a few", ...).

    ``thresholds``: rows ``{word, min_share, above}`` tried in order; a row
    matches when the share reaches ``min_share`` (is strictly above it when
    ``above`` is true).
    """
    if share is None or pd.isna(share):
        raise ValueError("no share to put in words: no participants in the base")
    for row in thresholds:
        limit = float(row["min_share"])
        if (share > limit) if row.get("above") else (share >= limit):
            return str(row["word"])
    raise ValueError(f"no evaluators' word covers a share of {share!r}: check the thresholds")


def word_rank(word: str, thresholds: list[dict]) -> int:
    """A word's place on the scale: 0 for the highest band ("all"), rising downwards."""
    words = [str(row["word"]) for row in thresholds]
    if word not in words:
        raise ValueError(f"{word!r} is not one of the evaluators' words {words}")
    return words.index(word)


def word_threshold(word: str, direction: str, thresholds: list[dict]) -> tuple[float, bool]:
    """A scoring threshold given as a word, as ``(limit, strict)`` on the share itself.

    ``direction="higher"``: a share passes when it is described by ``word`` or a
    higher word, i.e. when it reaches the word's band: ``share > min_share`` if the
    band is ``above`` (strict), else ``share >= min_share``.
    ``direction="lower"``: a share passes when it is described by ``word`` or a lower
    word, i.e. when it does not reach the band above it: ``share <= min_share`` of that
    band if it is ``above``, else ``share < min_share`` (strict). Scoring and the words
    the report prints are then one scale: "some of the 34 participants" is never *met*
    under a rule "met at most".

    >>> words = [{"word": "most", "min_share": 0.5, "above": True},
    ...          {"word": "some", "min_share": 0.25}, {"word": "none", "min_share": 0.0}]
    >>> word_threshold("most", "higher", words), word_threshold("some", "lower", words)
    ((0.5, True), (0.5, False))
    """
    rank = word_rank(word, thresholds)
    if direction == "higher":
        row = thresholds[rank]
        return float(row["min_share"]), bool(row.get("above"))
    if rank == 0:
        return float("inf"), False  # nothing is above the top band
    row = thresholds[rank - 1]
    return float(row["min_share"]), not bool(row.get("above"))


def swot_table(excerpts: pd.DataFrame, thresholds: list[dict]) -> pd.DataFrame:
    """SWOT entries: every tagged code with the share of participants who raised it, in words.

    Returns ``swot, code, share, words, groups`` (groups: the stakeholder groups
    who raised it, comma-separated), ordered strength, weakness, opportunity,
    threat, then most mentioned first.
    """
    overall = code_frequencies(excerpts, by=())
    overall = overall[overall["swot"].notna()]
    by_group = code_frequencies(excerpts)
    groups = by_group.groupby("code")["stakeholder_group"].apply(
        lambda g: ", ".join(sorted(g.astype(str))))
    out = pd.DataFrame({
        "swot": overall["swot"].astype(str), "code": overall["code"],
        "share": overall["share"],
        "words": [in_words(s, thresholds) for s in overall["share"]],
        "groups": overall["code"].map(groups),
    })
    out["_order"] = out["swot"].map({s: i for i, s in enumerate(SWOT_ORDER)})
    out = out.sort_values(["_order", "share", "code"], ascending=[True, False, True])
    return out.drop(columns="_order").reset_index(drop=True)


def nameable_groups(sizes: pd.Series, min_cell: int, ledger=None) -> set[str]:
    """The stakeholder groups a SWOT entry may name: at least ``min_cell`` interview and
    focus-group participants (``sizes``: per group), and, with the disclosure pass
    ``ledger``, both of those counts shown by it.

    Naming a group says it has ``min_cell`` or more such participants: beside a count the
    pass hides (a group's interviewees hidden by secondary suppression), that is a bound
    on it no table gives (in a small jurisdiction 'Government' named in the SWOT said its
    hidden interviewees were 5 or more).
    """
    named = {str(g) for g, n in sizes.items() if n >= min_cell}
    if ledger is None:
        return named
    return {g for g in named
            if all(ledger.shown(("participants", g, line)) is not None
                   for line in ("interview", "focus_group")
                   if ("participants", g, line) in ledger.value)}


def swot_as_shown(swot: pd.DataFrame, excerpts: pd.DataFrame, min_cell: int,
                  ledger=None) -> pd.DataFrame:
    """The SWOT table as every default output shows it (the report, the auditor bundle).

    ``swot`` from :func:`swot_table`; returns ``swot, code, words, groups``: the share
    only in words (an exact share of a known number of participants gives the count
    back), and in ``groups`` only the stakeholder groups with at least ``min_cell``
    interview and focus-group participants whose counts the disclosure pass ``ledger``
    shows (:func:`nameable_groups`), as the report names them.
    """
    sizes = excerpts.groupby("stakeholder_group")["participant"].nunique()
    shown = nameable_groups(sizes, min_cell, ledger)
    out = swot.drop(columns=["share"]).copy()
    out["groups"] = [", ".join(g for g in str(gs).split(", ") if g in shown)
                     for gs in swot["groups"]]
    return out


def frequencies_as_shown(frequencies: pd.DataFrame, min_cell: int,
                         ledger=None) -> pd.DataFrame:
    """Code frequencies by group and line of evidence as the default auditor bundle shows them.

    ``frequencies`` from :func:`code_frequencies` (``mentioned, participants, share``).
    Counts below ``min_cell`` are suppressed (:func:`mwsn.privacy.suppress`), and so is a
    share that tells what everyone, or all but a few, in a group said: none or all of
    them, or fewer than ``min_cell`` who did not mention it (class disclosure).
    A group x line of evidence's ``participants`` is the cell
    ``("participants", stakeholder_group, line_of_evidence)`` of the disclosure pass
    ``ledger`` (:class:`mwsn.privacy.Ledger`): where the pass hides it, even by
    secondary suppression, it is missing here, and so is the share it would give back, and
    so is the count who mentioned it (shown or hidden by the rule above on the hidden base,
    a shown count said the base was at least that count plus ``min_cell``).
    """
    from mwsn import privacy

    out = privacy.suppress(frequencies, ["mentioned", "participants"], min_cell,
                           derived=["share"])
    mentioned = pd.to_numeric(frequencies["mentioned"], errors="coerce")
    people = pd.to_numeric(frequencies["participants"], errors="coerce")
    whole = ((people > 0) & ((mentioned == 0) | (people - mentioned < min_cell))).fillna(False)
    out["mentioned"] = out["mentioned"].mask(whole)
    out["share"] = out["share"].mask(whole)
    if ledger is not None and {"stakeholder_group", "line_of_evidence"} <= set(out.columns):
        hidden = pd.Series([
            ledger.hidden(key) for key in
            (("participants", str(g), str(line))
             for g, line in zip(out["stakeholder_group"], out["line_of_evidence"]))],
            index=out.index)
        out["participants"] = out["participants"].mask(hidden)
        out["share"] = out["share"].mask(hidden)
        # whether a count is shown was decided on the hidden base (all but a few of it is
        # hidden): 7 migrant workers shown beside their hidden 12 said 7 + 5 = 12 or more
        out["mentioned"] = out["mentioned"].mask(hidden)
    return out


def leading_codes(swot: pd.DataFrame, per_tag: int = 1) -> list[str]:
    """The most raised code(s) of each SWOT tag, in SWOT order (from :func:`swot_table`)."""
    return list(swot.groupby("swot", sort=False).head(per_tag)["code"])


def quote_groups(excerpts: pd.DataFrame, min_cell: int) -> set[tuple[str, str]]:
    """``(stakeholder_group, line_of_evidence)`` pairs with at least ``min_cell`` participants:
    the only ones a quote may be attributed to."""
    people = excerpts.groupby(["stakeholder_group", "line_of_evidence"])["participant"].nunique()
    return {(str(g), str(line)) for (g, line), n in people.items() if n >= min_cell}


#: the tag scrubbing leaves where an excerpt named an employer or another organization
EMPLOYER_TAG = "[EMPLOYER]"


def quotes(excerpts: pd.DataFrame, codes: list[str], min_cell: int = 5,
           residual=None, disclosure=None) -> pd.DataFrame:
    """One illustrative quote per code, attributed to a stakeholder group and line of evidence.

    A quote comes only from a group and line of evidence with at least
    ``min_cell`` participants (:func:`quote_groups`) whose count ``disclosure`` (the
    jurisdiction's disclosure pass, :func:`mwsn.privacy.load_pass`) shows: a quote from a
    group whose number every output hides, even by secondary suppression, is in no output
    (the auditor notebook's included); whether scrubbing replaced
    anything in an excerpt plays no part in the choice; an excerpt in which
    ``residual(text)`` (a second identifier detector, e.g.
    :func:`mwsn.clean.residual_identifiers`) still finds anything, or that named an
    organization (its ``[EMPLOYER]`` tag), is never quoted.
    Quotes are spread across the eligible groups; deterministic. Returns
    ``code, stakeholder_group, line_of_evidence, text`` (text already scrubbed).
    """
    columns = ["code", "stakeholder_group", "line_of_evidence", "text"]
    if excerpts.empty or "text" not in excerpts.columns:  # no interviews: nothing to quote
        return pd.DataFrame(columns=columns)
    coded = main_coding(excerpts)
    coded = coded[coded["text"].notna()]
    allowed = quote_groups(excerpts, min_cell)
    if disclosure is not None:
        allowed = {(g, line) for g, line in allowed
                   if disclosure.shown(("participants", g, line)) is not None}
    # a boolean mask, never a list: an empty list would select no columns (an export
    # without excerpt text leaves no row here)
    keep = np.array([(str(g), str(line)) in allowed for g, line in
                     zip(coded["stakeholder_group"], coded["line_of_evidence"])], dtype=bool)
    coded = coded[keep]
    # an excerpt that named an employer (scrubbed to its tag) still tells who it is about
    coded = coded[~coded["text"].astype(str).str.contains(EMPLOYER_TAG, regex=False)]
    if residual is not None and len(coded):
        coded = coded[[not residual(str(text)) for text in coded["text"]]]
    quoted: dict[str, int] = {}
    picked = []
    for code in codes:
        rows = coded[coded["code"] == code]
        if rows.empty:
            continue
        order = rows.assign(_seen=rows["stakeholder_group"].map(lambda g: quoted.get(g, 0)))
        best = order.sort_values(["_seen", "excerpt_id"]).iloc[0]
        quoted[best["stakeholder_group"]] = quoted.get(best["stakeholder_group"], 0) + 1
        picked.append(best)
    columns = ["code", "stakeholder_group", "line_of_evidence", "text"]
    if not picked:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(picked)[columns].astype(str).reset_index(drop=True)


#: Landis & Koch (1977) benchmarks for kappa: lower bound of each band
KAPPA_BENCHMARKS = [(0.81, "almost_perfect"), (0.61, "substantial"), (0.41, "moderate"),
                    (0.21, "fair"), (0.0, "slight"), (float("-inf"), "poor")]


def _band(value: float) -> str | None:
    if pd.isna(value):
        return None
    return next(band for low, band in KAPPA_BENCHMARKS if value >= low)


def coder_agreement(excerpts: pd.DataFrame) -> pd.DataFrame:
    """Agreement on the double-coded subset, from the excerpts table, read in Landis & Koch bands.

    Each excerpt coded by two or more coders is one unit, its codes the
    categories: :func:`cohen_kappa` (exactly two coders), :func:`fleiss_kappa`
    and :func:`krippendorff_alpha` (nominal). Returns ``statistic, value,
    ci_low, ci_high, note, excerpts, coders, interpretation``.
    """
    coders = sorted(excerpts["coder"].astype(str).unique())
    wide = excerpts.pivot_table(index="excerpt_id", columns="coder", values="code",
                                aggfunc="first")
    double = wide[wide.notna().sum(axis=1) >= 2]
    rows = []
    if len(coders) >= 2 and len(double):
        if len(coders) == 2:
            k = cohen_kappa(double.iloc[:, 0], double.iloc[:, 1]).iloc[0]
            rows.append({"statistic": "cohen_kappa", "value": k["kappa"],
                         "ci_low": k["ci_low"], "ci_high": k["ci_high"], "note": k["note"]})
        f = fleiss_kappa(double.dropna()).iloc[0]
        rows.append({"statistic": "fleiss_kappa", "value": f["kappa"],
                     "ci_low": np.nan, "ci_high": np.nan})
        a = krippendorff_alpha(double.T, "nominal").iloc[0]
        rows.append({"statistic": "krippendorff_alpha", "value": a["alpha"],
                     "ci_low": np.nan, "ci_high": np.nan})
    out = pd.DataFrame(rows, columns=["statistic", "value", "ci_low", "ci_high", "note"])
    out = out.astype({"value": float, "ci_low": float, "ci_high": float})
    out["note"] = out["note"].fillna("").astype(str)
    out["excerpts"] = len(double)
    out["coders"] = len(coders)
    out["interpretation"] = pd.array([_band(v) for v in out["value"]], dtype="string")
    return out
