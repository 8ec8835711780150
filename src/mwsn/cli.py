"""The ``mwsn`` command: synth, validate, run, list.

The only module that parses arguments. Input errors are printed as
``file:row:column: message`` lines and exit with status 2, without a
traceback; a failing notebook exits with status 1 naming notebook and cell.
"""

from __future__ import annotations

import argparse
import json
import sys
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

    p = sub.add_parser("validate", parents=[common],
                       help="check params and raw data; list every problem")
    p.add_argument("jurisdiction")
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = sub.add_parser("run", parents=[common], help="validate, execute notebooks, export reports")
    p.add_argument("jurisdiction", nargs="?")
    p.add_argument("--all", action="store_true", help="every jurisdiction with a params file")

    sub.add_parser("list", parents=[common], help="jurisdictions with a params file")
    return parser


def _synth(args) -> int:
    from mwsn import config, synth

    where = config.paths(args.jurisdiction, args.root)
    if args.if_absent and where.raw.is_dir() and any(where.raw.iterdir()):
        print(f"{where.raw} already has data; left as it is")
        return 0
    for path in synth.generate(where):
        print(path)
    return 0


def _validate(args) -> int:
    from mwsn import config, validate
    from mwsn.codebook import load_codebook

    where = config.paths(args.jurisdiction, args.root)
    params = config.load(args.jurisdiction, where.root)
    frames = validate.read_and_check(params, load_codebook(where.root), where)
    rows = sum(len(f) for f in frames.values())
    if args.format == "json":
        print(json.dumps({"jurisdiction": args.jurisdiction, "problems": [], "rows": rows}))
    else:
        print(f"{args.jurisdiction}: {len(frames)} sources, {rows} rows, no problems")
    return 0


def _run(args) -> int:
    from mwsn import config, runner

    if args.all == bool(args.jurisdiction):
        raise InputError(_usage("give one jurisdiction or --all"))
    codes = config.list_jurisdictions(args.root) if args.all else [args.jurisdiction]
    for code in codes:
        result = runner.run(code, args.root)
        print(f"{code}: done in {result.seconds:.1f} s")
        for path in result.outputs:
            if path.parent == result.reports:
                print(f"  {path}")
    return 0


def _usage(message: str):
    from mwsn.errors import Problem

    return Problem("<command line>", message)


def _list(args) -> int:
    from mwsn import config

    for code in config.list_jurisdictions(args.root):
        print(code)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler = {"synth": _synth, "validate": _validate, "run": _run, "list": _list}[args.command]
    try:
        return handler(args)
    except InputError as exc:
        from mwsn.validate import relative

        problems = relative(exc.problems, Path(args.root))
        if getattr(args, "format", "text") == "json":
            print(json.dumps({"problems": [p.as_dict() for p in problems]}, indent=1))
        else:
            for problem in problems:
                print(problem, file=sys.stderr)
            print(f"{len(problems)} problem(s); nothing was written.", file=sys.stderr)
        return exc.exit_code
    except MwsnError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted; earlier outputs are intact", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
