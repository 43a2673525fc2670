"""Command line for the returns risk models (``python -m models ...``)."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from models.returns import decisions, drift
from models.returns.bootstrap import DEFAULT_RESAMPLES
from models.returns.bootstrap import DEFAULT_SEED as DEFAULT_BOOTSTRAP_SEED
from models.returns.compare import TOP_EXAMPLES
from models.returns.dataset import TASKS, DataError, ReturnsDataset, Task
from models.returns.defaults import DEFAULT_ROWS, DEFAULT_SEED, HOLDOUT_ROWS, build_defaults
from models.returns.distributed import DEFAULT_CONNECT_TIMEOUT, ClusterUnavailable
from models.returns.gate import GateResult, PromotionRefused, promote_gated
from models.returns.registry import (
    MODEL_NAMES,
    list_versions,
    register,
    resolve_name,
    resolve_root,
    rollback,
    set_shadow,
    show,
)
from services.returns_decision.engines.risk.errors import RiskModelError

if TYPE_CHECKING:
    from models.returns.train import TrainResult


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
    _mlflow_option(p)

    decisions.add_command(sub)
    drift.add_command(sub)

    p = sub.add_parser("synth", help="write synthetic return requests to Parquet or CSV")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)

    sub.add_parser("list", help="list registered versions (* active, s shadow)")

    p = sub.add_parser("show", help="describe a version (default: the active one)")
    p.add_argument("name", help="model name, or the task (fraud, wardrobing)")
    p.add_argument("version", nargs="?")

    p = sub.add_parser(
        "promote",
        help="make a version active if it passes the promotion gate (atomic pointer move)",
    )
    p.add_argument("name")
    p.add_argument("version")
    p.add_argument("--no-check", action="store_true", help="skip loading it first")
    _gate_options(p)

    p = sub.add_parser("compare", help="champion / challenger: score two versions on the same rows")
    p.add_argument("name", help="model name, or the task (fraud, wardrobing)")
    p.add_argument("version_a", metavar="VERSION_A", help="the champion (differences are B - A)")
    p.add_argument("version_b", metavar="VERSION_B", help="the challenger")
    rows = p.add_mutually_exclusive_group()
    rows.add_argument(
        "--data",
        type=Path,
        help="Parquet or CSV table in the training format, rows neither version trained on "
        "(default: the test split both trained without, when they share training data)",
    )
    rows.add_argument(
        "--from-decisions",
        dest="from_decisions",
        type=Path,
        metavar="LOGDIR",
        help="compare on live traffic: the decision log's rows where one version served and "
        "the other was its shadow (band agreement, score distributions; metrics on the rows "
        "outcomes label, as `dataset --from-decisions` labels them)",
    )
    p.add_argument(
        "--as-of",
        dest="as_of",
        type=dt.date.fromisoformat,
        default=dt.datetime.now(dt.UTC).date(),
        metavar="DATE",
        help="with --from-decisions: the day maturity is counted to (default today, UTC)",
    )
    p.add_argument(
        "--maturity-days",
        dest="maturity_days",
        type=int,
        default=decisions.DEFAULT_MATURITY_DAYS,
        metavar="N",
        help=f"with --from-decisions: as for `dataset` (default {decisions.DEFAULT_MATURITY_DAYS})",
    )
    p.add_argument("--json", type=Path, metavar="OUT", help="also write the full report as JSON")
    p.add_argument("--resamples", type=int, default=DEFAULT_RESAMPLES, help="bootstrap resamples")
    p.add_argument("--seed", type=int, default=DEFAULT_BOOTSTRAP_SEED, help="bootstrap seed")
    p.add_argument("--top", type=int, default=TOP_EXAMPLES, help="changed rows to list")

    p = sub.add_parser(
        "shadow",
        help="score a version beside the active one on live traffic (logged, never served)",
    )
    p.add_argument("name", help="model name, or the task (fraud, wardrobing)")
    p.add_argument("version", nargs="?", help="the version to score in shadow")
    p.add_argument("--clear", action="store_true", help="stop scoring the shadow")
    p.add_argument("--no-check", action="store_true", help="skip loading it first")

    p = sub.add_parser("rollback", help="re-activate the previously active version")
    p.add_argument("name")

    p = sub.add_parser("build-defaults", help="build and promote the default models")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    p.add_argument("--if-missing", action="store_true", help="only if no active models exist")
    p.add_argument("--no-report", action="store_true")
    _mlflow_option(p)
    return parser


def _mlflow_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--mlflow",
        nargs="?",
        const="",
        metavar="URI",
        help="log the training run to MLflow at URI (bare: $MLFLOW_TRACKING_URI, else "
        "sqlite:///var/mlflow/mlflow.db); on by default when $MLFLOW_TRACKING_URI is set",
    )


def _gate_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data",
        type=Path,
        help="compare with the active version on this table (default: see `compare`)",
    )
    p.add_argument(
        "--force", action="store_true", help="promote even if the gate refuses (needs --reason)"
    )
    p.add_argument("--reason", help="why the gate is overridden (recorded in promotions.jsonl)")


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
    _track(args.mlflow, result, directory, seconds)
    print(result.metadata.version)
    if args.promote:
        _, verdict = promote_gated(
            root,
            name,
            result.metadata.version,
            via="train --promote",
            command=f"python -m models promote {name} {result.metadata.version}",
            progress=_progress,
        )
        _progress(f"promoted {name} {result.metadata.version} ({_summary(verdict)})")
    return 0


def _track(flag: str | None, result: TrainResult, directory: Path, seconds: float) -> None:
    """Logs the run to MLflow when asked; only then is the module (and mlflow) imported."""
    if flag is None and not os.environ.get("MLFLOW_TRACKING_URI"):
        return
    try:
        from models.returns.tracking import TrackingError, log_training_run, tracking_uri
    except ImportError as exc:  # e.g. the service image, which has no `train` extra
        _progress(f"warning: not logged to MLflow: {exc} (pip install -e '.[train]')")
        return
    uri = tracking_uri(flag)
    assert uri is not None  # a flag or the variable is set
    try:
        run_id = log_training_run(uri, result, directory, trained_seconds=seconds)
    except TrackingError as exc:  # the version is registered either way
        _progress(f"warning: not logged to MLflow at {uri}: {exc}")
        return
    _progress(f"logged to MLflow at {uri}: run {run_id}")


def _summary(verdict: GateResult) -> str:
    judged = [c for c in verdict.checks if c.judged]
    passed = sum(c.passed for c in judged)
    return f"gate: {passed}/{len(judged)} checks passed" + (
        "" if verdict.passed else ", overridden with --force"
    )


def _promote(args: argparse.Namespace, root: Path) -> int:
    name = resolve_name(args.name)
    pointer, verdict = promote_gated(
        root,
        name,
        args.version,
        data=args.data,
        force=args.force,
        reason=args.reason,
        check=not args.no_check,
        via="promote",
        command=f"python -m models promote {args.name} {args.version}",
        progress=_progress,
    )
    for check in verdict.checks:
        mark = "ok" if check.passed else "FAILED"
        _progress(f"  {mark if check.judged else '--'} {check.name}: {check.detail}")
    print(f"{name}: active {pointer.version} ({_summary(verdict)})")
    return 0


def _compare(args: argparse.Namespace, root: Path) -> int:
    from models.returns.compare import compare, compare_logged, render, render_logged

    if args.from_decisions is not None:
        report = compare_logged(
            root,
            resolve_name(args.name),
            args.version_a,
            args.version_b,
            args.from_decisions,
            as_of=args.as_of,
            maturity_days=args.maturity_days,
            resamples=args.resamples,
            seed=args.seed,
            top=args.top,
            progress=_progress,
        )
        sys.stdout.write(render_logged(report))
        if args.json:
            args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        return 0
    report = compare(
        root,
        resolve_name(args.name),
        args.version_a,
        args.version_b,
        data=args.data,
        resamples=args.resamples,
        seed=args.seed,
        top=args.top,
        progress=_progress,
    )
    sys.stdout.write(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        _progress(f"wrote {args.json}")
    return 0


def _shadow(args: argparse.Namespace, root: Path) -> int:
    name = resolve_name(args.name)
    if args.clear == (args.version is not None):
        print("error: name a VERSION to score in shadow, or --clear", file=sys.stderr)
        return 2
    version = None if args.clear else args.version
    previous = set_shadow(root, name, version, check=not args.no_check)
    print(f"{name}: shadow {version or 'none'} (was {previous or 'none'})")
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
        if args.command == "drift":
            return drift.run(args, root)
        if args.command == "synth":
            return _synth(args)
        if args.command == "list":
            rows = list_versions(root)
            if not rows:
                print(f"no models under {root}")
            for r in rows:
                auc = "" if r.test_roc_auc is None else f"test AUC {r.test_roc_auc:.4f}"
                best = "" if r.best_roc_auc is None else f" (best achievable {r.best_roc_auc:.4f})"
                mark = "*" if r.active else "s" if r.shadow else " "
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
            return _promote(args, root)
        if args.command == "compare":
            return _compare(args, root)
        if args.command == "shadow":
            return _shadow(args, root)
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
                on_registered=lambda r, d, sec: _track(args.mlflow, r, d, sec),
            )
            for b in built:
                print(f"{b.name} {b.version}")
            return 0
    except PromotionRefused as exc:  # the gate said no: one line, with the override
        print(str(exc), file=sys.stderr)
        return 1
    except (DataError, RiskModelError, ClusterUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    raise AssertionError(f"unhandled command {args.command}")  # argparse guarantees one
