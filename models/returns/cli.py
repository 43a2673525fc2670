"""Command line for the returns risk models (``python -m models ...``)."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from models.returns import decisions
from models.returns.dataset import TASKS, DataError, ReturnsDataset, Task
from models.returns.defaults import DEFAULT_ROWS, DEFAULT_SEED, HOLDOUT_ROWS, build_defaults
from models.returns.distributed import DEFAULT_CONNECT_TIMEOUT, ClusterUnavailable
from models.returns.registry import (
    MODEL_NAMES,
    list_versions,
    promote,
    register,
    resolve_name,
    resolve_root,
    rollback,
    show,
)
from services.returns_decision.engines.risk.errors import RiskModelError


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds: {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m models", description=__doc__)
    parser.add_argument(
        "--registry",
        help="registry root (default: $MODELS_REGISTRY_ROOT, else var/models/registry in the repo)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train a returns risk model and register it")
    p.add_argument("task", choices=TASKS)
    p.add_argument("--data", type=Path, help="Parquet or CSV table (default: synthetic data)")
    p.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="synthetic rows to generate")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--calibration", choices=("platt", "isotonic"), default="platt")
    p.add_argument("--name", help="registry name (default: returns_<task>)")
    p.add_argument("--promote", action="store_true", help="make the new version active")
    p.add_argument("--no-report", action="store_true", help="skip plots and model card")
    p.add_argument(
        "--dask-scheduler",
        metavar="ADDRESS",
        help="boost on the dask cluster whose scheduler is at ADDRESS (tcp://HOST:8786)",
    )
    p.add_argument(
        "--dask-timeout",
        metavar="SECONDS",
        type=_seconds,
        default=DEFAULT_CONNECT_TIMEOUT,
        help="give up if the scheduler does not answer, or has no worker, within SECONDS "
        f"(default {DEFAULT_CONNECT_TIMEOUT:g})",
    )

    decisions.add_command(sub)

    p = sub.add_parser("synth", help="write synthetic return requests to Parquet or CSV")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)

    sub.add_parser("list", help="list registered versions")

    p = sub.add_parser("show", help="describe a version (default: the active one)")
    p.add_argument("name", help="model name, or the task (fraud, wardrobing)")
    p.add_argument("version", nargs="?")

    p = sub.add_parser("promote", help="make a version active (atomic pointer move)")
    p.add_argument("name")
    p.add_argument("version")
    p.add_argument("--no-check", action="store_true", help="skip loading it first")

    p = sub.add_parser("rollback", help="re-activate the previously active version")
    p.add_argument("name")

    p = sub.add_parser("build-defaults", help="build and promote the default models")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    p.add_argument("--if-missing", action="store_true", help="only if no active models exist")
    p.add_argument("--no-report", action="store_true")
    return parser


def _read(args: argparse.Namespace) -> tuple[ReturnsDataset, ReturnsDataset | None]:
    """The training data, and a fresh synthetic sample for the report when synthetic."""
    from models.returns import dataset as datasets

    if args.data is None:
        _progress(f"generating {args.rows} synthetic return requests (seed {args.seed})")
        data = datasets.from_synthetic(args.rows, args.seed)
        holdout = None if args.no_report else datasets.from_synthetic(HOLDOUT_ROWS, args.seed + 1)
        return data, holdout
    _progress(f"reading {args.data}")
    data = datasets.load(args.data, tasks=(args.task,))
    if data.defaulted:
        defaults = ", ".join(f"{c}={datasets.OPTIONAL_DEFAULTS[c]!r}" for c in data.defaulted)
        _progress(
            f"warning: {args.data} has no column(s) {', '.join(data.defaulted)}: every row "
            f"gets the default ({defaults}), so the model will not learn from them "
            "(recorded as training.defaulted_columns)"
        )
    return data, None


def _train(args: argparse.Namespace, root: Path) -> int:
    from models.returns.train import TrainConfig, train

    task: Task = args.task
    started = time.perf_counter()
    config = TrainConfig(task=task, seed=args.seed, calibration=args.calibration)
    name = args.name or MODEL_NAMES[task]
    with contextlib.ExitStack() as stack:
        client = None
        if args.dask_scheduler:
            from models.returns.distributed import connect, train_on_dask

            # Before reading the data: an unreachable cluster fails in seconds, not after.
            _progress(f"connecting to the dask scheduler at {args.dask_scheduler}")
            client = stack.enter_context(connect(args.dask_scheduler, timeout=args.dask_timeout))
        data, holdout = _read(args)
        if client is not None:
            result = train_on_dask(data, config, name=name, client=client, progress=_progress)
        else:
            result = train(data, config, name=name, progress=_progress)
    seconds = time.perf_counter() - started
    directory, created = register(
        root, result, write_report=not args.no_report, trained_seconds=seconds, holdout=holdout
    )
    _progress(f"{'registered' if created else 'already registered'}: {directory}")
    if args.promote:
        promote(root, name, result.metadata.version)
        _progress(f"promoted {name} {result.metadata.version}")
    print(result.metadata.version)
    return 0


def _synth(args: argparse.Namespace) -> int:
    from models.returns.dataset import synthetic_columns
    from models.returns.table_io import write_table

    write_table(synthetic_columns(args.rows, args.seed), args.out)
    _progress(f"wrote {args.rows} rows to {args.out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    root = resolve_root(args.registry)
    try:
        if args.command == "train":
            return _train(args, root)
        if args.command == "dataset":
            return decisions.run(args)
        if args.command == "synth":
            return _synth(args)
        if args.command == "list":
            rows = list_versions(root)
            if not rows:
                print(f"no models under {root}")
            for r in rows:
                auc = "" if r.test_roc_auc is None else f"test AUC {r.test_roc_auc:.4f}"
                best = "" if r.best_roc_auc is None else f" (best achievable {r.best_roc_auc:.4f})"
                mark = "*" if r.active else " "
                print(
                    f"{mark} {r.name:<22} {r.version:<15} {r.task:<11} {r.registered_at:<26} ",
                    end="",
                )
                print(f"{auc}{best}")
            return 0
        if args.command == "show":
            print(json.dumps(show(root, resolve_name(args.name), args.version), indent=2))
            return 0
        if args.command == "promote":
            pointer = promote(root, resolve_name(args.name), args.version, check=not args.no_check)
            print(f"{resolve_name(args.name)}: active {pointer.version}")
            return 0
        if args.command == "rollback":
            pointer = rollback(root, resolve_name(args.name))
            print(f"{resolve_name(args.name)}: active {pointer.version}")
            return 0
        if args.command == "build-defaults":
            built = build_defaults(
                root,
                seed=args.seed,
                rows=args.rows,
                if_missing=args.if_missing,
                write_report=not args.no_report,
                progress=_progress,
            )
            for b in built:
                print(f"{b.name} {b.version}")
            return 0
    except (DataError, RiskModelError, ClusterUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    raise AssertionError(f"unhandled command {args.command}")  # argparse guarantees one
