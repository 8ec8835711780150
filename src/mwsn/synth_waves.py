"""SYNTHETIC data rounds (waves) of a demonstration jurisdiction: ``mwsn synth bc --waves 3``.

The pilot, then later rounds of the same Network, as a performance measurement system
would collect them (docs/MONITORING.md): answers that drift between rounds (agreement
rising past the indicator register's targets on some statements, staying short of
them on others, so that a target met and a target missed both show), service records
that grow from round to round (none in the pilot), some of the same people answering
the survey in two rounds (same e-mail address, so the same pseudonym: matched change
can be tested), and, in the last round, a survey question exported under a new column
name that the round's ``crosswalk:`` maps back onto the codebook's name.

Everything here is fictional, like :mod:`mwsn.synth`; the pilot round is byte for byte
the single-round demonstration data. The same seed gives the same bytes.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import yaml

from mwsn import config, synth
from mwsn.config import SYNTHETIC_MARKER, Jurisdiction, Paths

#: chance of agreeing with each survey statement in each BC round after the pilot (the
#: pilot's are the profile's own). Against the register's targets (params/indicators.yaml):
#: workers' knowledge of their rights, information and reporting support reach theirs by
#: their date (2024-03); collaboration slips short of its 2024-03 target, so a target
#: missed by its date shows; abuse deterrence stays short of its 2025-03 target. None is so
#: near 1 that the people disagreeing fall below min_cell (their count would be withheld).
DRIFT = [
    {"know_rights": 0.8, "info_support": 0.78, "collaboration": 0.7, "reporting_support": 0.76,
     "abuse_deterrence": 0.33, "policy_influence": 0.38},
    {"know_rights": 0.8, "info_support": 0.82, "collaboration": 0.56,
     "reporting_support": 0.84, "abuse_deterrence": 0.36, "policy_influence": 0.62},
]
#: people surveyed in each BC round after the pilot: more workers reached each round, and
#: enough of every group that both sides of each statement reach min_cell in the last round
SURVEYED = [
    {"migrant_worker": 44, "support_organization": 20, "employer": 10, "government": 10},
    {"migrant_worker": 64, "support_organization": 24, "employer": 12, "government": 12},
]
#: share of a later round's surveyed stakeholders who also answered the round before
RETURNING = 0.4
#: service records of the last round when ``--services`` is not given
LAST_ROUND_SERVICES = 18_000
#: share of services outside agriculture in the pilot's mix, and its rise per round
OUTSIDE_AGRICULTURE = 0.38
OUTSIDE_AGRICULTURE_STEP = 0.04
#: the survey column the last round's export renames, and its new name (the crosswalk)
RENAMED = ("know_rights", "rights_knowledge")
SERVICES_SOURCE = config.Source(file="service_records.csv", format="csv")


def _month(text: str) -> tuple[int, int]:
    year, month = text.split("-")
    return int(year), int(month)


def plan(params: Jurisdiction, n: int) -> list[config.Wave]:
    """``n`` rounds: the params' own period as the pilot, then two-year rounds after it,
    each later one with a ``services`` source (where a Network is in place); the last
    renames a survey question."""
    if n < 1:
        raise ValueError("a number of waves is 1 or more")
    waves = [config.Wave(id="pilot", period=params.period)]
    year, month = _month(params.period.end)
    for k in range(1, n):
        start = (year, month + 1) if month < 12 else (year + 1, 1)
        end = (start[0] + 2, start[1] - 1) if start[1] > 1 else (start[0] + 1, 12)
        # service records come from funded organizations: only where a Network is in place
        sources = {**params.sources, **({"services": SERVICES_SOURCE}
                                        if params.network_in_place else {})}
        crosswalk = ({"survey": {RENAMED[1]: RENAMED[0]}}
                     if k == n - 1 and "survey" in sources else {})
        waves.append(config.Wave(
            id=f"{end[0]}q{(end[1] - 1) // 3 + 1}",
            period=config.Period(start=f"{start[0]}-{start[1]:02d}",
                                 end=f"{end[0]}-{end[1]:02d}"),
            sources=sources, crosswalk=crosswalk))
        year, month = end
    return waves


def _flow(value) -> str:
    return yaml.safe_dump(value, default_flow_style=True, sort_keys=False,
                          allow_unicode=True, width=1000).strip()


def waves_block(waves: list[config.Wave], code: str) -> str:
    """The ``waves:`` block as YAML text, with comments, to append to ``params/<code>.yaml``."""
    lines = [
        "",
        f"# Data rounds, oldest first (added by `mwsn synth {code} --waves {len(waves)}` for the",
        "# SYNTHETIC demonstration): each round's exports are in data/raw/<jur>/<id>/. A round",
        "# without `sources` reads the ones above; `crosswalk` maps a column an export renamed in",
        "# that round onto the codebook's name (docs/MONITORING.md).",
        "waves:",
    ]
    for wave in waves:
        lines.append(f"  - id: {wave.id}")
        lines.append(f"    period: {{start: {wave.period.start}, end: {wave.period.end}}}")
        if wave.sources is not None:
            lines.append("    sources:")
            for name, source in wave.sources.items():
                fields = {"file": source.file, "format": source.format,
                          **source.model_dump(exclude_defaults=True)}
                lines.append(f"      {name}: {_flow(fields)}")
        if wave.crosswalk:
            lines.append("    crosswalk:")
            for name, renamed in wave.crosswalk.items():
                lines.append(f"      {name}: {_flow(renamed)}")
    return "\n".join(lines) + "\n"


def _shifted(month: str, months: int) -> str:
    year, m = _month(month)
    total = year * 12 + m - 1 + months
    return f"{total // 12}-{total % 12 + 1:02d}"


#: the SYNTHETIC demonstration's management response: (consideration, response, action,
#: responsible, due in months after the last round's end, status per round counted from the
#: last (-1) back, with the reason of a partial agreement). One action done, one done
#: late in the last round, one late, one in progress and not yet due.
RESPONSE = [
    ("share_back", "agree",
     {"en": "Publish a summary of each Network meeting and send it to every participant.",
      "fr": "Publier un résumé de chaque réunion du Réseau et l'envoyer à chaque participant."},
     {"en": "Network coordinator", "fr": "Coordonnateur du Réseau"}, -24,
     {0: "in_progress", 1: "done"}, None),
    ("outreach_other_sectors", "agree",
     {"en": "Run outreach sessions with caregiving, hospitality and food processing workers.",
      "fr": "Tenir des séances de sensibilisation auprès des travailleurs des soins, de "
            "l'hôtellerie et de la transformation alimentaire."},
     {"en": "Program officer, Funding Program", "fr": "Agent de programme, Programme de "
      "financement"}, -12, {1: "in_progress"}, None),
    ("government_network", "partly",
     {"en": "Propose terms of reference for a federal-provincial working group.",
      "fr": "Proposer un mandat pour un groupe de travail fédéral-provincial."},
     {"en": "Government Network chair", "fr": "Présidence du Réseau gouvernemental"}, 12,
     {-1: "in_progress"},
     {"en": "A separate network needs the provinces' agreement; a working group comes first.",
      "fr": "Un réseau distinct exige l'accord des provinces; un groupe de travail vient "
            "d'abord."}),
    ("logic_model", "agree",
     {"en": "Adopt a logic model and an indicator register, reported each round.",
      "fr": "Adopter un modèle logique et un registre d'indicateurs, présentés à chaque cycle."},
     {"en": "Evaluation officer, Temporary Foreign Worker Program", "fr": "Agent d'évaluation, "
      "Programme des travailleurs étrangers temporaires"}, 0,
     {0: "in_progress", -1: "done"}, None),
]


def response_block(waves: list[config.Wave], considerations: set[str]) -> str:
    """An illustrative, SYNTHETIC ``management_response:`` for the demonstration's rounds
    (:data:`RESPONSE`), as YAML text with comments; actions answering a consideration the
    params lack are left out."""
    ids = [w.id for w in waves]
    end = waves[-1].period.end
    lines = [
        "# SYNTHETIC management response, added by `mwsn synth --waves` for the demonstration",
        "# only: the published assessment's response is not public. Replace it with the real",
        "# one (format: docs/MONITORING.md).",
        "management_response:",
    ]
    for consideration, response, action, responsible, due, progress, reason in RESPONSE:
        if consideration not in considerations:
            continue
        # round k counted from the first (0, 1, ...) or the last (-1); in round order
        steps = {ids[k]: status for k, status in progress.items() if -len(ids) <= k < len(ids)}
        steps = dict(sorted(steps.items(), key=lambda kv: ids.index(kv[0])))
        status = list(steps.values())[-1] if steps else "not_started"
        lines += [f"  - consideration: {consideration}", f"    response: {response}"]
        if reason:
            lines.append(f"    reason: {_flow(reason)}")
        lines += [f"    action: {_flow(action)}", f"    responsible: {_flow(responsible)}",
                  f"    due: {_shifted(end, due)}", f"    status: {status}",
                  f"    progress: {_flow(steps)}"]
    if lines[-1] == "management_response:":  # no consideration answered (a new project's
        lines[-1] = NO_RESPONSE               # params have none yet): still a list
    return "\n".join(lines) + "\n"


#: the line of a params file without a management response, replaced by the synthetic one
NO_RESPONSE = "management_response: []"


def add_waves(where: Paths, n: int) -> str | None:
    """Append a ``waves:`` block of ``n`` rounds to the params file, its text kept as it is
    (comments included), when it declares none; returns the text added (else ``None``).

    A params file whose management response is empty (its line reads
    ``management_response: []``) gets the illustrative SYNTHETIC one of
    :func:`response_block` in place of that line, so the demonstration shows it.
    """
    params = config.load(where.jurisdiction, where.root)
    if params.waves:
        return None
    waves = plan(params, n)
    block = waves_block(waves, where.jurisdiction)
    text = where.params_file.read_text(encoding="utf-8")
    lines = text.split("\n")
    if not params.management_response and NO_RESPONSE in (line.rstrip() for line in lines):
        at = [line.rstrip() for line in lines].index(NO_RESPONSE)
        response = response_block(waves, {c.id for c in params.considerations})
        lines[at] = response.rstrip("\n")
        text = "\n".join(lines)
        block = response + block
    separator = "" if text.endswith("\n") or not text else "\n"
    where.params_file.write_text(text + separator + waves_block(waves, where.jurisdiction),
                                 encoding="utf-8")
    config.load(where.jurisdiction, where.root)  # the block must load: refuse it otherwise
    return block


def _survey_start(period: config.Period) -> datetime:
    """The survey of a round opens six months before its end (the pilot's: October 2019)."""
    year, month = _month(period.end)
    month -= 5
    if month < 1:
        year, month = year - 1, month + 12
    return datetime(year, month, 1, 9)


def _first_fiscal_year(period: config.Period) -> int:
    year, month = _month(period.start)
    return year if month <= 4 else year + 1


def _profile(base: synth.Profile, index: int, period: config.Period) -> synth.Profile:
    if index == 0:
        return dataclasses.replace(base, survey_start=_survey_start(period))
    if base is synth.BC_PILOT:
        agree = {item: DRIFT[min(index, len(DRIFT)) - 1].get(item, p)
                 for item, p in base.agree.items()}
        survey = {group: SURVEYED[min(index, len(SURVEYED)) - 1].get(group, n)
                  for group, n in base.survey.items()}
    else:  # another jurisdiction's answers rise a little each round
        agree = {item: min(0.95, p + 0.05 * index) for item, p in base.agree.items()}
        survey = {group: n + (6 * index if group == "migrant_worker" else 0)
                  for group, n in base.survey.items()}  # more workers reached each round
    return dataclasses.replace(base, agree=agree, survey=survey,
                               survey_start=_survey_start(period))


def _returning(people: list[synth.Stakeholder],
               before: list[synth.Stakeholder]) -> list[synth.Stakeholder]:
    """Some of this round's surveyed stakeholders are people who answered the round before:
    the first ``RETURNING`` share of each group takes the name and e-mail of one of them."""
    surveyed = [p for p in before if p.line == "survey"]
    out = list(people)
    for group in sorted({p.group for p in out if p.line == "survey"}):
        mine = [i for i, p in enumerate(out) if p.line == "survey" and p.group == group]
        theirs = [p for p in surveyed if p.group == group]
        for i, previous in zip(mine[:int(len(mine) * RETURNING)], theirs):
            out[i] = dataclasses.replace(out[i], first=previous.first, last=previous.last,
                                         email=previous.email, sector=previous.sector)
    return out


def _rename_header(text: str, renamed: dict[str, str]) -> str:
    """The export with columns of its first line renamed (``{old: new}``)."""
    first, _, rest = text.partition("\r\n")
    fields = next(csv.reader([first]))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow([renamed.get(f, f) for f in fields])
    return buf.getvalue() + rest


def _services_size(index: int, n_waves: int, last: int) -> int:
    if n_waves == 1:
        return last
    return max(1000, round(last * index / (n_waves - 1)))


def generate_wave(where: Paths, params: Jurisdiction, index: int, n_waves: int,
                  previous: list[synth.Stakeholder] | None, codebook,
                  seed: int = synth.SEED, services: int | None = None
                  ) -> tuple[list[Path], list[synth.Stakeholder]]:
    """Write one round's raw exports into ``where.raw`` (``params`` as the round sees them:
    :meth:`~mwsn.config.Jurisdiction.for_wave`); returns the files and its stakeholders."""
    base = synth.profile_for(where.jurisdiction)
    profile = _profile(base, index, params.period)
    rng = np.random.default_rng(seed + 1009 * index)
    people = synth._stakeholders(rng, profile)
    if previous:
        people = _returning(people, previous)
    texts = {
        "survey": synth.survey_export(rng, profile, people, profile.survey_start),
        "excerpts": synth.coded_excerpts(rng, profile, people),
    }
    if profile.with_program_data:
        texts["funding"] = synth.funding_ledger(rng, params.budget.amount,
                                                _first_fiscal_year(params.period))
        texts["meetings"], texts["recommendations"] = synth.meeting_records(
            rng, date(*_month(params.period.start), 1))
    wave = next((w for w in config.load(where.jurisdiction, where.root).waves
                 if w.id == where.wave), None)
    crosswalk = wave.crosswalk if wave is not None else {}
    where.raw.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in texts.items():
        if name not in params.sources:
            continue
        renamed = {codebook.sources[name].variable(target).raw_name: export
                   for export, target in crosswalk.get(name, {}).items()}
        path = where.raw / params.sources[name].file
        path.write_text(_rename_header(text, renamed) if renamed else text, encoding="utf-8",
                        newline="")
        written.append(path)
    if "services" in params.sources:
        last_month = date(*_month(params.period.end), 1)
        end = (last_month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        path = synth.service_records(
            where.raw / params.sources["services"].file,
            _services_size(index, n_waves, services or LAST_ROUND_SERVICES),
            date(*_month(params.period.start), 1), end, seed=seed + 7 * index,
            outside_agriculture=min(0.6, OUTSIDE_AGRICULTURE + OUTSIDE_AGRICULTURE_STEP * index))
        renamed = {codebook.sources["services"].variable(target).raw_name: export
                   for export, target in crosswalk.get("services", {}).items()}
        if renamed:
            data = path.read_text(encoding="utf-8")
            first, _, rest = data.partition("\n")
            path.write_text(",".join(renamed.get(f, f) for f in first.split(",")) + "\n" + rest,
                            encoding="utf-8")
        written.append(path)
    marker = where.raw / SYNTHETIC_MARKER
    marker.write_text(
        synth.BANNER + f"\n\nRound: {where.wave} ({params.period.start} to {params.period.end}, "
        f"{index + 1} of {n_waves})\nFiles: " + ", ".join(sorted(p.name for p in written))
        + f"\nSeed: {seed}\n", encoding="utf-8")
    return [*written, marker], people


def generate(root: Path, jurisdiction: str, seed: int = synth.SEED,
             services: int | None = None) -> list[Path]:
    """Write every round declared in ``params/<jurisdiction>.yaml`` (``waves:``), oldest
    first, each into ``data/raw/<jurisdiction>/<wave>/``; returns the files written."""
    from mwsn.codebook import load_codebook

    params = config.load(jurisdiction, root)
    codebook = load_codebook(root)
    written, previous = [], None
    for index, wave in enumerate(params.waves):
        where = config.paths(jurisdiction, root, wave.id)
        files, previous = generate_wave(where, params.for_wave(wave.id), index,
                                        len(params.waves), previous, codebook, seed, services)
        written += files
    return written

