"""The ``mwsn`` command: synth, validate, run, verify, list, init, codebook import, instrument.

The only module that parses arguments. Input errors are printed as
``file:row:column: message`` lines and exit with status 2, without a
traceback; a failing notebook exits with status 1 naming notebook and cell;
``verify`` exits with status 1 listing what differs; a jurisdiction already
being run by another ``mwsn run`` exits with status 3.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

from mwsn import __version__
from mwsn.errors import InputError, MwsnError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mwsn", description="Reproducible assessment of the Migrant Worker Support Network.")
    parser.add_argument("--version", action="version", version=f"mwsn {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", default=".", type=Path,
                        help="project folder holding params/, data/ and reports/ (default: .)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("synth", parents=[common],
                       help="write SYNTHETIC demonstration data into data/raw/<jur>/")
    p.add_argument("jurisdiction")
    p.add_argument("--if-absent", action="store_true",
                   help="do nothing when the raw folder already has data")
    p.add_argument("--waves", type=_count, default=None, metavar="N",
                   help="data rounds: add N waves to params/<jur>.yaml if it declares none "
                   "(the pilot, then later rounds with service records), then write each")
    p.add_argument("--services", type=_count, default=None, metavar="N",
                   help="service records of the last wave (default: 18000)")

    p = sub.add_parser("validate", parents=[common],
                       help="check params and raw data; list every problem")
    p.add_argument("jurisdiction")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--wave", default=None, metavar="ID",
                   help="only this data round (an id of `waves:` in the params); default: every "
                   "round, oldest first")

    p = sub.add_parser("run", parents=[common], help="validate, execute notebooks, export reports")
    p.add_argument("jurisdiction", nargs="*")
    p.add_argument("--all", action="store_true",
                   help="every jurisdiction with a params file, then the cross-jurisdiction "
                   "notebooks (90_*)")
    p.add_argument("--force", action="store_true",
                   help="execute every notebook, even those whose inputs did not change")
    p.add_argument("--jobs", "-j", type=_jobs, default=None,
                   help="notebooks executed at the same time (default: the number of cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="run the notebooks on the Dask cluster whose scheduler is at ADDRESS "
                   "(tcp://host:8786; default: $MWSN_SCHEDULER, else on this machine); "
                   "needs pip install 'mwsn[dask]'")
    p.add_argument("--dry-run", action="store_true",
                   help="list the notebooks that would run and why; run nothing")
    p.add_argument("--no-pdf", action="store_true",
                   help="write the report's pages without printing the PDFs (most of the "
                   "report's time, while iterating on a draft); a later run without it prints "
                   "them")
    p.add_argument("--wave", default=None, metavar="ID",
                   help="only this data round (an id of `waves:` in the params); default: every "
                   "round, oldest first")
    p.add_argument("--exclude", action="append", default=[], metavar="JUR",
                   help="with --all: leave this jurisdiction out (repeatable)")
    p.add_argument("--no-demo", action="store_true",
                   help="with --all: leave out the examples (params with demo: true)")
    p.add_argument("--restricted", action="store_true",
                   help="also write the unsuppressed bundle with its suppression audit to "
                   "restricted/<jur>/ (for the assessment team and authorized auditors only)")

    p = sub.add_parser("verify", parents=[common],
                       help="rerun into a temporary folder and compare with the manifest")
    p.add_argument("jurisdiction", help="a jurisdiction (with the national context its report "
                   "reads), or `all`: the comparison `mwsn run --all` wrote")
    p.add_argument("--wave", default=None, metavar="ID",
                   help="only this data round (an id of `waves:` in the params); default: every "
                   "round, oldest first")
    p.add_argument("--jobs", "-j", type=_jobs, default=None,
                   help="notebooks executed at the same time (default: the number of cores)")

    sub.add_parser("list", parents=[common], help="jurisdictions with a params file")
    _project_commands(sub, common)
    return parser


def _project_commands(sub, common) -> None:
    """``init``, ``codebook import`` and ``instrument``: starting a project, the instrument."""
    p = sub.add_parser("init", help="create an assessment project folder")
    p.add_argument("folder", type=Path)
    p.add_argument("--jurisdiction", help="a jurisdiction code, e.g. ab")
    p.add_argument("--name", help="its name in English, e.g. Alberta")
    p.add_argument("--name-fr", help="its name in French (default: the province's French name)")

    p = sub.add_parser("codebook", help="the codebook: import it from an instrument")
    actions = p.add_subparsers(dest="action", required=True)
    p = actions.add_parser("import", parents=[common],
                           help="draft a codebook section and params mapping from an XLSForm, "
                           "a REDCap data dictionary or an SPSS/Stata file")
    p.add_argument("file", type=Path)
    p.add_argument("--source", default="survey", help="the source it feeds (default: survey)")
    p.add_argument("--kind", choices=["xlsform", "redcap", "spss", "stata"],
                   help="what the file is (default: from its name and first line)")
    p.add_argument("--out", type=Path, help="folder for the drafts (default: <root>/drafts)")
    p.add_argument("--force", action="store_true",
                   help="replace drafts already there (default: stop, naming them)")

    p = sub.add_parser("instrument", parents=[common],
                       help="write the next round's instrument from the codebook")
    p.add_argument("jurisdiction")
    p.add_argument("--to", choices=["xlsform"], default="xlsform")
    p.add_argument("out", type=Path, help="the XLSForm to write (.xlsx)")
    p.add_argument("--source", default="survey")


def _positive(what: str):
    """An argparse type: a whole number of ``what``, 1 or more."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what} (1 or more)")
        return value
    return parse


_jobs = _positive("a number of jobs")
_count = _positive("a count")


def _synth(args) -> int:
    from mwsn import config, project, synth, synth_waves, validate

    where = config.paths(args.jurisdiction, args.root)
    if added := project.demonstration_params(where):
        print(added)
    if args.jurisdiction not in synth.PROFILES:
        print(f"{args.jurisdiction}: no synthetic profile of its own; the data are shaped like "
              "BC's pilot (invented people, the pilot's group sizes)")
    if args.waves and (block := synth_waves.add_waves(where, args.waves)):
        print(f"added to {where.params_file}:\n{block}")
    declared = config.load(args.jurisdiction, where.root).waves
    if args.waves and len(declared) != args.waves:
        print(f"{where.params_file} already declares {len(declared)} waves: each is written "
              "as declared")
    if declared:
        if args.if_absent and where.raw.is_dir() and any(where.raw.rglob("*.csv")):
            print(f"{where.raw} already has data; left as it is")
            return 0
        for path in synth_waves.generate(where.root, args.jurisdiction,
                                         services=args.services):
            print(path)
        return 0
    if args.if_absent and where.raw.is_dir() and any(where.raw.iterdir()):
        print(f"{where.raw} already has data; left as it is")
        return 0
    for path in synth.generate(where):
        print(path)
    budget = config.load(args.jurisdiction, where.root).budget
    if budget.amount * validate.BUDGET_AGREED_LIMIT < synth.BUDGET:
        print(f"its funding ledger's agreements total {synth.BUDGET:,} CAD: set budget: "
              f"{{amount: {synth.BUDGET}, currency: CAD}} in {where.params_file} to run it "
              f"as it is (the budget is {budget.amount:,.0f} {budget.currency} now)")
    return 0


def _validate(args) -> int:
    """Every wave (or ``--wave``) is checked; the problems of all of them are listed together."""
    from mwsn import config, validate
    from mwsn.codebook import load_codebook

    params = config.load(args.jurisdiction, args.root, args.wave)
    codebook = load_codebook(args.root)
    waves = [args.wave] if args.wave is not None else params.wave_ids
    checked, problems = [], []
    for wave in waves:
        where = config.paths(args.jurisdiction, args.root, wave)
        try:
            frames = validate.read_and_check(params.for_wave(wave) if args.wave is None
                                             else params, codebook, where)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        rows = {name: len(frame) for name, frame in frames.items()}
        checked.append((where, frames, rows, validate.relative(validate.notes(frames),
                                                               where.root)))
    if problems:
        raise InputError(problems)
    if args.format == "json":
        found = [{"jurisdiction": args.jurisdiction, "ok": True, "problems": [],
                  **({"wave": where.wave} if where.wave is not None else {}),
                  "notes": [n.as_dict() for n in notes], "rows": rows}
                 for where, _, rows, notes in checked]
        print(json.dumps(found[0] if len(found) == 1 else found, indent=1))
    else:
        for where, frames, rows, notes in checked:
            for note in notes:
                print(f"note: {note}")
            print(f"{where.label}: {len(frames)} sources, {sum(rows.values())} rows, "
                  "no problems" + (f" ({len(notes)} note(s) above)" if notes else ""))
    return 0


def _all_codes(args) -> list[str]:
    """``--all``: every jurisdiction with a params file, less ``--exclude`` and the examples."""
    from mwsn import config

    for code in args.exclude:
        config.check_code(code)
    codes = [c for c in config.list_jurisdictions(args.root) if c not in args.exclude]
    if args.no_demo:
        codes = [c for c in codes if not _is_demo(args.root, c)]
    return codes


def _is_demo(root: Path, code: str) -> bool:
    from mwsn import config

    try:
        return config.load(code, root).demo
    except InputError:
        return False   # reported when it runs


def _dry_run(args, codes: list[str]) -> int:
    """The national context first, then each jurisdiction (and wave), then, with ``--all``,
    the comparison: each says what would rerun and why, or why it would be skipped or stop
    (:func:`_would_not_run`). Exit status: the run's, where it would fail before any notebook
    (2; with ``--all``, 1), else 0."""
    from mwsn import config, runner
    from mwsn.run import plan

    national_rerun = False
    if plan.national(plan.notebooks_dir(Path(args.root))):
        national_rerun = _print_plan(runner.dry_run(config.NATIONAL, args.root, force=args.force),
                                     config.NATIONAL)
    changed: list[str] = []         # jurisdictions (and waves) that rerun: the comparison reads them
    failing: list[str] = []
    for code in codes:
        try:
            waves = ([args.wave] if args.wave is not None
                     else config.load(code, args.root).wave_ids)
        except InputError as exc:
            _would_fail(code, exc.problems, args.root)
            failing.append(code)
            continue
        earlier: list[str] = []        # earlier waves that rerun: later ones may read them
        failed_wave = None
        for wave in waves:
            label = config.paths(code, args.root, wave).label
            if failed_wave is not None:  # the run skips the later waves of a failed one
                print(f"{label}: would be skipped (its earlier wave {failed_wave} would fail)")
                continue
            stops = _would_not_run(args, code, wave, label)
            if stops == "fail":
                failed_wave = wave
                failing.append(label)
            if stops:
                continue
            planned = runner.dry_run(code, args.root, force=args.force, wave=wave,
                                     earlier_rerun=tuple(earlier), national_rerun=national_rerun,
                                     options=_options(args))
            if _print_plan(planned, label):
                earlier.append(label)
                changed.append(label)
    if args.all and plan.cross_jurisdiction(plan.notebooks_dir(Path(args.root))):
        _print_plan(runner.dry_run(runner.ALL, args.root, force=args.force,
                                   tables_rerun=tuple(changed)), runner.ALL)
    if not failing:
        if changed:
            print(f"a dry run reads no export's contents: {_validate_commands(changed)} checks "
                  "them")
        return 0
    check = _validate_commands(failing)
    if args.all:
        print(f"{len(failing)} would fail ({', '.join(failing)}), the others would build: fix "
              f"the problems above; {check} checks every input", file=sys.stderr)
        return 1
    print(f"the run would stop before any output is replaced ({', '.join(failing)}): fix the "
          f"problems above; {check} checks every input", file=sys.stderr)
    return 2


def _validate_commands(labels: list[str]) -> str:
    """The ``mwsn validate`` command of each jurisdiction among ``labels`` (``bc``, ``bc/w2``)."""
    return ", ".join(f"`mwsn validate {code}`"
                     for code in dict.fromkeys(label.split("/")[0] for label in labels))


def _would_not_run(args, code: str, wave: str | None, label: str) -> str | None:
    """Print why the run would skip or stop ``code`` (its ``wave``) before any notebook, as
    the run decides it, and say which: ``"skip"``: ``--all`` skips one without raw data (not
    a failure); ``"fail"``: a missing raw folder, pseudonym key or export stops it
    (:func:`mwsn.run.cache.preflight`); ``None``: it would run."""
    from mwsn import config
    from mwsn.run import cache

    where = config.paths(code, args.root, wave)
    if args.all and cache.no_raw_data(where):
        print(f"{label}: would be skipped ({cache.no_data_reason(where)})")
        return "skip"
    try:
        params = config.load(code, args.root, wave)
    except InputError as exc:
        problems = exc.problems
    else:
        problems = cache.preflight(where, params)
    if not problems:
        return None
    _would_fail(label, problems, args.root)
    return "fail"


def _would_fail(label: str, problems, root) -> None:
    print(f"{label}: would fail before any notebook runs:")
    for line in _error_lines(InputError(problems), root):
        print(f"  {line}")


def _print_plan(planned, label: str) -> bool:
    """Print a dry run's steps; whether any would execute."""
    rerun = sum(p.rerun for p in planned)
    print(f"{label}: {rerun} of {len(planned)} notebook runs would execute")
    for step in planned:
        print(f"  {step}")
    return bool(rerun)


def _restricted(codes: list[str], root) -> None:
    from mwsn.report import restricted

    for code in codes:
        print(f"{code}: restricted bundle (not for publication): "
              f"{restricted.write_bundle(code, root) / 'index.html'}")


def _options(args) -> dict:
    """The run options the notebooks that take them are given (``--no-pdf``: the report's
    ``pdf = False``); empty: every notebook's defaults."""
    return {"pdf": False} if getattr(args, "no_pdf", False) else {}


def _unchanged(args) -> bool:
    """Print what a no-op prints and say so, if nothing changed since each jurisdiction's
    last successful run (:mod:`mwsn.uptodate`: before anything heavy is imported)."""
    from mwsn import uptodate

    if args.all or args.force or args.dry_run or getattr(args, "restricted", False) \
            or _options(args):
        return False
    found = [uptodate.unchanged(args.root, code, args.wave) for code in args.jurisdiction]
    if any(lines is None for lines in found):
        return False
    for lines in found:
        print("\n".join(lines))
    return True


def _noop_lines(results, root) -> list[str]:
    """What ``mwsn run`` prints when none of ``results`` (one jurisdiction's) needs a rerun."""
    lines = []
    for result in results:
        runs = len(result.executed) + len(result.reused)
        lines.append(f"{result.label}: everything is up to date ({runs} notebook "
                     f"run{'' if runs == 1 else 's'}, nothing changed; --force reruns all)")
    if any(result.wave is not None for result in results):
        lines.append(f"{results[0].jurisdiction}: reports by data round: "
                     f"{Path(root).resolve() / 'reports' / results[0].jurisdiction}/index.html")
    return lines


def _run(args) -> int:
    if args.all == bool(args.jurisdiction):
        raise InputError(_usage("give one or more jurisdictions, or --all"))
    if (args.exclude or args.no_demo) and not args.all:
        raise InputError(_usage("--exclude and --no-demo go with --all"))
    if _unchanged(args):
        return 0
    from mwsn import config, runner, uptodate

    codes = _all_codes(args) if args.all else args.jurisdiction
    for code in codes:
        config.check_code(code)
    if args.dry_run:
        return _dry_run(args, codes)
    from mwsn.run import executor

    scheduler = args.scheduler or os.environ.get(executor.SCHEDULER_ENV) or None
    before = {}
    for code in codes:
        uptodate.forget(args.root, code, args.wave)
        before[code] = uptodate.inputs(args.root, code)
    results = runner.run_many(codes, args.root, force=args.force,
                              jobs=args.jobs or executor.default_jobs(),
                              progress=runner.Progress(), command=["mwsn", *sys.argv[1:]],
                              cross=args.all, keep_going=args.all, scheduler=scheduler,
                              wave=args.wave, options=_options(args))
    failed = []
    for result in results:
        if result.run_level and result.error is not None:
            continue                    # said below, apart from the jurisdictions
        if result.skipped:
            print(f"{result.label}: skipped ({result.skipped})")
            continue
        if result.error is not None:
            failed.append(result)
            continue
        if result.up_to_date:
            print(_noop_lines([result], args.root)[0])
            continue
        print(f"{result.label}: done in {result.seconds:.1f} s "
              f"({len(result.executed)} executed, {len(result.reused)} reused)")
        for path in result.outputs:
            print(f"  {path}")
        print(f"  {result.reports / runner.MANIFEST}")
    for code in dict.fromkeys(r.jurisdiction for r in results if r.wave is not None):
        print(f"{code}: reports by data round: {Path(args.root).resolve() / 'reports' / code}"
              "/index.html")
    for code in codes if not _options(args) else ():  # a run without them looks again
        mine = [r for r in results if r.jurisdiction == code]
        if mine and all(r.error is None and not r.skipped for r in mine):
            uptodate.record(args.root, code, args.wave, before[code], _noop_lines(mine, args.root))
    if getattr(args, "restricted", False):
        _restricted(list(dict.fromkeys(r.jurisdiction for r in results if not r.run_level
                                       and r.error is None and not r.skipped)), args.root)
    compared = [r for r in results if r.run_level and r.error is not None]
    for result in [*failed, *compared]:
        print(f"{result.label}: FAILED, earlier outputs left as they were:",
              file=sys.stderr)
        for line in _error_lines(result.error, args.root):
            print(f"  {line}", file=sys.stderr)
    if failed:
        units = [r for r in results if not r.run_level]
        built = sum(1 for r in units if r.error is None and not r.skipped)
        skipped = sum(1 for r in units if r.skipped)
        noun = "jurisdictions" if all(r.wave is None for r in units) else "jurisdiction-waves"
        print(f"{len(failed)} of {len(units)} {noun} failed "
              f"({', '.join(r.label for r in failed)}); {built} built or up to date, "
              f"{skipped} skipped", file=sys.stderr)
        earlier = [r.label for r in failed
                   if config.paths(r.jurisdiction, args.root, r.wave).processed.is_dir()]
        if earlier and any(r.jurisdiction == runner.ALL and r.error is None for r in results):
            print(f"the comparison (reports/compare.html) shows {', '.join(earlier)} as of "
                  "the last run that built it", file=sys.stderr)
    return 1 if failed or compared else 0


def _error_lines(error, root: Path) -> list[str]:
    if isinstance(error, InputError):
        from mwsn.validate import relative

        return [str(p) for p in relative(error.problems, Path(root))]
    return [str(error)]


def _verify(args) -> int:
    from mwsn import runner
    from mwsn.run import executor
    from mwsn.run.verify import verify_waves

    failed = False
    for result in verify_waves(args.jurisdiction, args.root,
                               jobs=args.jobs or executor.default_jobs(),
                               progress=runner.Progress(), wave=args.wave):
        label = result.jurisdiction
        for warning in result.warnings:
            print(f"warning: {label + ': ' if '/' in label else ''}{warning}", file=sys.stderr)
        for name, claim in runner.CHECKS.items():
            found = result.checks[name]
            print(f"{label}: {name}: {'FAILED' if found else 'ok'}: {claim}")
            for difference in found:
                print(f"  {difference}")
        if result.ok:
            print(f"{label}: every output matches the manifest (byte-identical rerun)")
        else:
            print(f"{label}: {', '.join(result.failed)} check(s) failed")
            failed = True
    return 1 if failed else 0


def _usage(message: str):
    from mwsn.errors import Problem

    return Problem("<command line>", message)


def _list(args) -> int:
    from mwsn import config

    for code in config.list_jurisdictions(args.root):
        print(code)
    return 0


def _init(args) -> int:
    from mwsn import project

    created = project.init(args.folder, args.jurisdiction, args.name, args.name_fr)
    for path in created.written:
        if path.parent.name in ("params",) or path.name == "README.md":
            print(f"wrote {path}")
    print(f"{created.root}: {len(created.written)} files written, {len(created.kept)} already "
          "there and kept")
    return 0


def _codebook(args) -> int:
    from mwsn import codebook_import

    return codebook_import.run_import(args.file, args.root, args.source, args.kind, args.out,
                                      args.force)


def _instrument(args) -> int:
    from mwsn import config, instrument
    from mwsn.codebook import load_codebook

    params = config.load(args.jurisdiction, args.root)
    left_out = instrument.write_xlsform(
        load_codebook(args.root), args.source, args.out,
        title=f"{params.name.en}: {args.source}", form_id=f"mwsn_{params.code}_{args.source}")
    print(f"wrote {args.out}")
    if left_out:
        print("  not in the form (survey-platform metadata with no XLSForm counterpart): "
              + ", ".join(left_out))
    print(f"  its KoboToolbox export, in params/{params.code}.yaml: sources: {{{args.source}: "
          f"{{file: {args.source}_export.csv, format: kobo, absent: [{', '.join(left_out)}]}}}}")
    return 0


class _Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, ``timeout``, a scheduler ending the job), answered as Ctrl-C is:
    the running steps stopped, the staging and temporary copies removed."""


def _terminate(signum, frame):
    raise _Terminated


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler = {"synth": _synth, "validate": _validate, "run": _run, "verify": _verify,
               "list": _list, "init": _init, "codebook": _codebook,
               "instrument": _instrument}[args.command]
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
    try:
        return _main(handler, args)
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


def _main(handler, args) -> int:
    try:
        return handler(args)
    except BrokenPipeError:             # `mwsn run --dry-run | head`: the reader has enough
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())      # nothing more to flush at exit
        return 141
    except InputError as exc:
        from mwsn.validate import relative

        problems = relative(exc.problems, Path(getattr(args, "root", ".")))
        if getattr(args, "format", "text") == "json":
            print(json.dumps({"jurisdiction": getattr(args, "jurisdiction", None), "ok": False,
                              "problems": [p.as_dict() for p in problems]}, indent=1))
        else:
            for problem in problems:
                print(problem, file=sys.stderr)
            print(f"{len(problems)} problem(s); nothing was written.", file=sys.stderr)
        return exc.exit_code
    except MwsnError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        print("interrupted; earlier outputs are intact", file=sys.stderr)
        return 143 if isinstance(exc, _Terminated) else 130


if __name__ == "__main__":
    raise SystemExit(main())
