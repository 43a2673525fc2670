"""Command line: `python -m models.triage {train,register,list,show,promote,rollback,eval}`."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from models.triage.datasets import DEFAULT_DATA_DIR
from services.common.model_registry import RegistryError
from services.triage.engines.artifacts import artifacts_present
from services.triage.engines.base import ArtifactsMissingError
from services.triage.paths import DEFAULT_MODEL_DIR

if TYPE_CHECKING:  # --help answers without loading scikit-learn
    from models.triage.registry import Registered


def _progress(message: str) -> None:
    print(f"[triage] {message}", file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m models.triage",
        description=(
            "Train, register, promote and evaluate the triage models (triage_sentiment, "
            "triage_intent). Training reads only data/triage, is deterministic, and takes two "
            "to three minutes on two cores, plus about half a minute of evaluation."
        ),
    )
    parser.add_argument(
        "--registry",
        help="registry root (default: $MODELS_REGISTRY_ROOT, else var/models/registry in the repo)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser(
        "train",
        help="train both models and register them",
        description=(
            "Train sentiment and intent, evaluate them on held-out data and register each as "
            "a new version (content-hashed: an identical model keeps its version). A model "
            "with no active version gets the new one; --promote makes it active anyway. "
            "With --out, write a plain artifact directory instead and leave the registry."
        ),
    )
    train.add_argument(
        "--out", type=Path,
        help="write sentiment.joblib, intent.joblib and manifest.json here, not to the registry",
    )  # fmt: skip
    train.add_argument("--promote", action="store_true", help="make the new versions active")
    train.add_argument(
        "--if-missing",
        action="store_true",
        help="do nothing when active versions exist (or, with --out, the artifacts do); an "
        f"older build's {DEFAULT_MODEL_DIR} is registered rather than retrained",
    )
    train.add_argument("--no-eval", action="store_true", help="skip the held-out evaluation")
    train.add_argument(
        "--max-examples-per-class", type=int, metavar="N",
        help="train small models on N examples per language or intent (tests, demos)",
    )  # fmt: skip

    register = sub.add_parser(
        "register",
        help="register a plain artifact directory",
        description="Register the models of a directory `train --out` (or an older build) wrote.",
    )
    register.add_argument("model_dir", type=Path)
    register.add_argument("--promote", action="store_true", help="make its versions active")

    sub.add_parser("list", help="list registered versions")
    p = sub.add_parser("show", help="describe a version (default: the active one)")
    p.add_argument("name", help="model name, or the model (sentiment, intent)")
    p.add_argument("version", nargs="?")
    p = sub.add_parser("promote", help="make a version active (atomic pointer move)")
    p.add_argument("name")
    p.add_argument("version")
    p.add_argument("--no-check", action="store_true", help="skip loading it first")
    p = sub.add_parser("rollback", help="re-activate the previously active version")
    p.add_argument("name")

    evaluate = sub.add_parser(
        "eval",
        help="print held-out metrics of the active versions (or of --model-dir)",
        description=(
            "Per-language sentiment macro-F1 on the UMSAB val splits next to plain VADER; "
            "intent macro-F1 on the held-back 20%% of Bitext; share of CLINC oos_val "
            "answered 'other'. None of these was trained on."
        ),
    )
    evaluate.add_argument(
        "--model-dir", type=Path, help="a plain artifact directory to evaluate instead"
    )
    evaluate.add_argument(
        "--train", action="store_true", help="build the models first if they are absent"
    )
    for command in (train, evaluate):
        command.add_argument(
            "--data", type=Path, default=DEFAULT_DATA_DIR,
            help=f"training/evaluation data (default: {DEFAULT_DATA_DIR})",
        )  # fmt: skip
    return parser


def _train_into_registry(args: argparse.Namespace, root: Path) -> int:
    from models.triage.evaluation import evaluate, figures_by_model
    from models.triage.registry import has_active_models, register_artifacts
    from models.triage.training import train_all

    if args.if_missing:
        if has_active_models(root):
            print(f"triage models active in {root}; nothing to build")
            return 0
        if artifacts_present(DEFAULT_MODEL_DIR):
            problem = _unusable(DEFAULT_MODEL_DIR)
            if problem is None:
                # An older build's artifacts: the same models, registered in seconds.
                _progress(f"registering the models an older build left in {DEFAULT_MODEL_DIR}")
                return _register(root, DEFAULT_MODEL_DIR, promote=args.promote)
            _progress(
                f"not registering the older build in {DEFAULT_MODEL_DIR} ({problem}); training"
            )
    root.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=".build-triage-", dir=root))
    try:
        started = time.perf_counter()
        trained_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        train_all(
            build,
            data_dir=args.data,
            progress=_progress,
            max_examples_per_class=args.max_examples_per_class,
        )
        seconds = round(time.perf_counter() - started, 1)
        figures = None
        if not args.no_eval:
            _progress("evaluating on held-out data")
            figures = figures_by_model(evaluate(build, data_dir=args.data, log=_progress))
        training = {
            "data_dir": str(args.data),
            "trained_at": trained_at,
            "train_seconds": seconds,
            "max_examples_per_class": args.max_examples_per_class,
        }
        registered = register_artifacts(root, build, training=training, evaluation=figures)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    return _announce(root, registered, promote=args.promote)


def _unusable(model_dir: Path) -> str | None:
    """Why the service could not serve an older build's directory (a model of an older
    layout, say), or None when it loads."""
    from services.triage.engines.bundle import TriageEngines

    try:
        TriageEngines.load(model_dir)
    except Exception as exc:  # noqa: BLE001 - whatever an old or damaged file raises: train
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


def _register(root: Path, model_dir: Path, *, promote: bool) -> int:
    from models.triage.registry import register_artifacts

    info = {"imported_from": str(model_dir)}
    with contextlib.suppress(OSError):
        mtime = (model_dir / "manifest.json").stat().st_mtime
        info["trained_at"] = dt.datetime.fromtimestamp(mtime, dt.UTC).isoformat(timespec="seconds")
    return _announce(root, register_artifacts(root, model_dir, training=info), promote=promote)


def _announce(root: Path, registered: list[Registered], promote: bool) -> int:
    from models.triage.registry import promote as activate
    from services.common.model_registry import has_active

    for r in registered:
        _progress(f"{'registered' if r.created else 'already registered'}: {r.directory}")
        if promote or not has_active(root, r.name):
            # Loaded at training or registration already: no second check.
            activate(root, r.name, r.version, check=False)
            _progress(f"promoted {r.name} {r.version}")
        print(f"{r.name} {r.version}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Imported after parsing so that --help answers without loading scikit-learn.
    from models.triage.registry import (
        list_versions,
        promote,
        resolve_name,
        resolve_root,
        rollback,
        show,
    )

    root = resolve_root(args.registry)
    try:
        if args.command == "train" and args.out is not None:
            return _train_plain(args)
        if args.command == "train":
            return _train_into_registry(args, root)
        if args.command == "register":
            return _register(root, args.model_dir, promote=args.promote)
        if args.command == "list":
            rows = list_versions(root)
            if not rows:
                print(f"no triage models under {root}")
            for r in rows:
                mark = "*" if r.active else " "
                print(f"{mark} {r.name:<22} {r.version:<15} {r.registered_at:<26} {r.summary}")
            return 0
        if args.command == "show":
            print(json.dumps(show(root, resolve_name(args.name), args.version), indent=2))
            return 0
        if args.command == "promote":
            name = resolve_name(args.name)
            pointer = promote(root, name, args.version, check=not args.no_check)
            print(f"{name}: active {pointer.version}")
            return 0
        if args.command == "rollback":
            name = resolve_name(args.name)
            print(f"{name}: active {rollback(root, name).version}")
            return 0
        return _evaluate(args, root)
    except (ArtifactsMissingError, RegistryError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _train_plain(args: argparse.Namespace) -> int:
    from models.triage.training import train_all

    if args.if_missing and artifacts_present(args.out):
        print(f"triage models present in {args.out}; nothing to build")
        return 0
    started = time.perf_counter()
    entries = train_all(
        args.out,
        data_dir=args.data,
        progress=_progress,
        max_examples_per_class=args.max_examples_per_class,
    )
    for name, entry in sorted(entries.items()):
        print(f"{name}: {args.out / entry.file} version {entry.version}")
    print(f"trained in {time.perf_counter() - started:.1f}s")
    return 0


def _evaluate(args: argparse.Namespace, root: Path) -> int:
    from models.triage.evaluation import evaluate, format_report
    from models.triage.training import ensure_artifacts
    from services.triage.engines.bundle import TriageEngines
    from services.triage.engines.watcher import TriageModelWatcher

    engines: Path | TriageEngines
    if args.model_dir is not None:
        if args.train:
            ensure_artifacts(args.model_dir, data_dir=args.data, progress=_progress)
        engines = args.model_dir
    else:
        if args.train:
            _train_into_registry(
                argparse.Namespace(
                    if_missing=True,
                    promote=False,
                    no_eval=False,
                    data=args.data,
                    max_examples_per_class=None,
                ),
                root,
            )
        engines = TriageModelWatcher(root).load()
    print(format_report(evaluate(engines, data_dir=args.data, log=_progress)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
