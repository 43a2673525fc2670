"""Command line tools for return policies.

`python -m services.returns_decision.policy validate FILE...` prints every error of every
file as `FILE:LINE: PATH: MESSAGE`, or `FILE: ok` with the version the file would be
served as. Exit status 0 when all files are valid, 1 when any is not, 2 on a usage error.

`python -m services.returns_decision.policy simulate CANDIDATE --requests FILE` replays
past requests under a candidate policy and the active one, as SimulatePolicy does (see
policy/simulation_cli.py; `simulate --help` for the options).

`python -m services.returns_decision.policy bench [--policies DIR]` times decisions
(see policy/benchmark.py).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from services.returns_decision.policy import simulation_cli
from services.returns_decision.policy.validation import validate_policy


def _validate(paths: Sequence[str]) -> int:
    status = 0
    for name in paths:
        try:
            raw = Path(name).read_bytes()
        except OSError as exc:
            print(f"{name}: cannot read: {exc.strerror}")
            status = 1
            continue
        result = validate_policy(raw)
        if result.version is not None:
            version = result.version
            label = f"label {version.label!r}"
            print(f"{name}: ok (tenant {version.tenant_id}, {label}, {version.content_hash})")
            continue
        status = 1
        for error in result.errors:
            where = f"{name}:{error.line}" if error.line else name
            print(f"{where}: {error.path or '<document>'}: {error.message}")
    return status


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services.returns_decision.policy",
        description="Tools for return policy documents.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check policy files and report every error")
    validate.add_argument("files", nargs="+", metavar="FILE")
    simulate = commands.add_parser(
        "simulate",
        help="replay past requests under a candidate policy and the active one",
        description=simulation_cli.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    simulation_cli.add_arguments(simulate)
    bench = commands.add_parser("bench", help="time rules evaluation and whole decisions")
    bench.add_argument("--policies", type=Path, default=Path("policies"))
    bench.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args(argv)
    if args.command == "simulate":
        return simulation_cli.run(args)
    if args.command == "bench":
        from services.returns_decision.policy import benchmark  # imports durable_rules

        print(benchmark.report(args.policies, args.repeat))
        return 0
    return _validate(args.files)


if __name__ == "__main__":
    sys.exit(main())
