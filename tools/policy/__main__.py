"""Command line tools for return policies.

`python -m tools.policy validate FILE...` prints every error of every
file as `FILE:LINE: PATH: MESSAGE`, or `FILE: ok` with the version the file would be
served as. Exit status 0 when all files are valid, 1 when any is not, 2 on a usage error.

`python -m tools.policy simulate CANDIDATE --requests FILE` replays past requests under
a candidate policy and the active one, as SimulatePolicy does (see tools/policy/simulate.py;
`simulate --help` for the options).

`python -m tools.policy bench [--policies DIR]` times decisions (see bench/returns_policy.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from services.returns_decision.core.policy.validation import validate_policy
from services.returns_decision.settings import ReturnsSettings

# The simulate command's description; its code (tools/policy/simulate.py) loads
# durable_rules and LightGBM, so it is imported only when the command runs.
SIMULATE = """\
Replays past return requests under a candidate policy file and under the tenant's active
policy (the one in the policies directory the service would serve), with the risk scores
of the registry's active models, as SimulatePolicy does; prints the comparison, or with
--json the RPC's own response in protobuf's JSON mapping.

Requests come as JSON Lines: one DecideReturnRequest per line, in protobuf's JSON mapping
(the body grpcurl sends). Every line that cannot be read, is for another tenant or fails
validation is reported with its line number; then nothing is simulated (exit 2), unless
--skip-invalid asks to simulate the rest. An invalid candidate exits 1. Histories longer
than the RPC's per-call limit are replayed in chunks of that size and the totals added up.
"""


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


def _default(field: str) -> Path:
    """The service's setting: its RETURNS_ variable if set, else its default. Read
    alone, so that a bad value in an unrelated RETURNS_ variable breaks nothing here."""
    value = os.environ.get(f"RETURNS_{field.upper()}")
    if value:
        return Path(value)
    default = ReturnsSettings.model_fields[field].default
    assert isinstance(default, Path)
    return default


def _simulate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("candidate", type=Path, metavar="CANDIDATE", help="the policy to try")
    parser.add_argument(
        "--requests",
        required=True,
        metavar="FILE",
        help="past requests, one DecideReturnRequest per line in protobuf JSON ('-': stdin)",
    )
    parser.add_argument(
        "--policies",
        type=Path,
        default=_default("policies_dir"),
        metavar="DIR",
        help="where the active policies are (default: RETURNS_POLICIES_DIR or %(default)s)",
    )
    risk = parser.add_mutually_exclusive_group()
    risk.add_argument(
        "--models-registry",
        type=Path,
        default=_default("models_registry"),
        metavar="DIR",
        help=(
            "registry whose active models score the requests "
            "(default: RETURNS_MODELS_REGISTRY or %(default)s)"
        ),
    )
    risk.add_argument(
        "--no-risk",
        action="store_true",
        help="replay without risk scores (risk rules then see RISK_NOT_ASSESSED)",
    )
    parser.add_argument(
        "--skip-invalid",
        action="store_true",
        help="report invalid lines and simulate the others, instead of stopping",
    )
    parser.add_argument(
        "--changed",
        type=int,
        default=20,
        metavar="N",
        help="list at most N requests whose outcome changes (0: all; default %(default)s)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the SimulatePolicy response as JSON"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.policy",
        description="Tools for return policy documents.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check policy files and report every error")
    validate.add_argument("files", nargs="+", metavar="FILE", help="policy documents (YAML)")
    simulate = commands.add_parser(
        "simulate",
        help="replay past requests under a candidate policy and the active one",
        description=SIMULATE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _simulate_arguments(simulate)
    bench = commands.add_parser("bench", help="time rules evaluation and whole decisions")
    bench.add_argument(
        "--policies",
        type=Path,
        default=Path("policies"),
        metavar="DIR",
        help="directory holding the apparel example policy (default: %(default)s)",
    )
    bench.add_argument(
        "--repeat",
        type=int,
        default=2000,
        metavar="N",
        help="calls per round (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.command == "simulate":
        from tools.policy import simulate as simulate_command  # see SIMULATE

        return simulate_command.run(args)
    if args.command == "bench":
        from bench import returns_policy  # imports durable_rules

        print(returns_policy.report(args.policies, args.repeat))
        return 0
    return _validate(args.files)


if __name__ == "__main__":
    sys.exit(main())
