"""Command line: `python -m models.triage {train,eval}`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from models.triage.datasets import DEFAULT_DATA_DIR
from services.triage.engines.artifacts import artifacts_present
from services.triage.engines.base import ArtifactsMissingError
from services.triage.paths import DEFAULT_MODEL_DIR


def _progress(message: str) -> None:
    print(f"[triage] {message}", file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m models.triage",
        description=(
            "Train and evaluate the triage models (sentiment, intent). Training reads only "
            "data/triage, is deterministic, and takes two to three minutes on two cores."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser(
        "train",
        help="build the model artifacts",
        description="Build sentiment.joblib, intent.joblib and manifest.json into --out.",
    )
    train.add_argument(
        "--out", type=Path, default=DEFAULT_MODEL_DIR,
        help=f"output directory (default: {DEFAULT_MODEL_DIR}, git-ignored)",
    )  # fmt: skip
    train.add_argument(
        "--if-missing", action="store_true", help="do nothing when the artifacts are already built"
    )
    evaluate = sub.add_parser(
        "eval",
        help="print held-out metrics of built artifacts",
        description=(
            "Per-language sentiment macro-F1 on the UMSAB val splits next to plain VADER; "
            "intent macro-F1 on the held-back 20%% of Bitext; share of CLINC oos_val "
            "answered 'other'. None of these was trained on."
        ),
    )
    evaluate.add_argument(
        "--model-dir", type=Path, default=DEFAULT_MODEL_DIR,
        help=f"artifacts to evaluate (default: {DEFAULT_MODEL_DIR})",
    )  # fmt: skip
    evaluate.add_argument(
        "--train", action="store_true", help="build the artifacts first if they are absent"
    )
    for command in (train, evaluate):
        command.add_argument(
            "--data", type=Path, default=DEFAULT_DATA_DIR,
            help=f"training/evaluation data (default: {DEFAULT_DATA_DIR})",
        )  # fmt: skip
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Imported after parsing so that --help answers without loading scikit-learn.
    from models.triage.evaluation import evaluate, format_report
    from models.triage.training import ensure_artifacts, train_all

    if args.command == "train":
        if args.if_missing and artifacts_present(args.out):
            print(f"triage models present in {args.out}; nothing to build")
            return 0
        started = time.perf_counter()
        entries = train_all(args.out, data_dir=args.data, progress=_progress)
        for name, entry in sorted(entries.items()):
            print(f"{name}: {args.out / entry.file} version {entry.version}")
        print(f"trained in {time.perf_counter() - started:.1f}s")
        return 0

    if args.train:
        ensure_artifacts(args.model_dir, data_dir=args.data, progress=_progress)
    try:
        report = evaluate(args.model_dir, data_dir=args.data, log=_progress)
    except ArtifactsMissingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
