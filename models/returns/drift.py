"""Drift: the decision log's live rows against a model's training data
(``python -m models drift``).

Per feature, the population stability index (PSI) of the live rows against the training
rows, PSI = sum over bins of (live - train) * ln(live / train) over the bins' shares:
numeric features binned at the training deciles (plus a bin for missing values),
categorical features by category. The scores likewise: each model's logged scores
against its scores on its own training rows, binned at their deciles. Flags: PSI above
0.1 is a moderate shift, above 0.25 a major one (the usual reading of the index).

The reference is a version's training profile (``training_profile.json``, written at
registration; see ``services/returns_decision/engines/risk/profile.py``), or, for a
version registered without one, its training data rebuilt from its recorded source
(the synthetic generator's rows and seed, or the table's path, checked against the data
fingerprint), or any table given with ``--data``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from models.returns import dataset as datasets
from models.returns.dataset import DataError, ReturnsDataset
from services.returns_decision.engines.decision_log.schema import (
    PARTITION_PREFIX,
    part_files,
)
from services.returns_decision.engines.risk.artifact import read_metadata
from services.returns_decision.engines.risk.errors import ModelNotFoundError, RiskModelError
from services.returns_decision.engines.risk.features import FEATURES, SCHEMA_VERSION
from services.returns_decision.engines.risk.model import RiskModel
from services.returns_decision.engines.risk.profile import read_profile
from services.returns_decision.engines.risk.registry import active_version_dir, version_dir

FloatArray = npt.NDArray[np.float64]

MODERATE: Final = 0.1
MAJOR: Final = 0.25
DECILES: Final = tuple(q / 10 for q in range(1, 10))
# An empty bin's share: keeps ln() finite; the usual choice in PSI implementations.
EPSILON: Final = 1e-4
MISSING: Final = "missing"


# --- the profile (written at registration, read here and by the service) --------------


def _numeric_profile(values: FloatArray) -> dict[str, Any]:
    present = values[~np.isnan(values)]
    edges = sorted(set(np.quantile(present, DECILES).tolist())) if len(present) else []
    return {
        "kind": "numeric",
        "edges": edges,
        "shares": _shares(_numeric_counts(edges, values)[0], len(values)),
        "missing": float(np.isnan(values).mean()) if len(values) else 0.0,
    }


def _numeric_counts(edges: Sequence[float], values: FloatArray) -> tuple[list[int], int]:
    """Counts per bin (right-closed, as ``profile.numeric_bin``), and the missing count."""
    missing = np.isnan(values)
    index = np.searchsorted(np.asarray(edges, dtype=np.float64), values[~missing], side="left")
    counts = np.bincount(index, minlength=len(edges) + 1)
    return [int(c) for c in counts], int(missing.sum())


def _shares(counts: Sequence[int], total: int) -> list[float]:
    return [c / total if total else 0.0 for c in counts]


def _categorical_counts(labels: Sequence[str], values: FloatArray) -> dict[str, int]:
    found = dict.fromkeys(labels, 0)
    found[MISSING] = 0
    for value in values.tolist():
        code = -1 if math.isnan(value) else int(value)
        found[labels[code] if 0 <= code < len(labels) else MISSING] += 1
    return found


def profile(
    features: FloatArray, scores: FloatArray, data_fingerprint: str | None
) -> dict[str, Any]:
    """A training profile of these rows (``FEATURE_NAMES`` columns) and their scores."""
    found: dict[str, Any] = {}
    for i, spec in enumerate(FEATURES):
        column = features[:, i]
        if spec.kind == "numeric":
            found[spec.name] = _numeric_profile(column)
        else:
            counts = _categorical_counts(spec.categories, column)
            total = len(column)
            found[spec.name] = {
                "kind": "categorical",
                "shares": {k: v / total for k, v in counts.items() if k != MISSING},
                "missing": counts[MISSING] / total if total else 0.0,
            }
    score = _numeric_profile(scores)
    return {
        "feature_schema": SCHEMA_VERSION,
        "rows": len(features),
        "data_fingerprint": data_fingerprint,
        "features": found,
        "score": {"edges": score["edges"], "shares": score["shares"]},
    }


# --- PSI -------------------------------------------------------------------------------


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """Population stability index of two share vectors over the same bins."""
    total = 0.0
    for e, a in zip(expected, actual, strict=True):
        e, a = max(e, EPSILON), max(a, EPSILON)
        total += (a - e) * math.log(a / e)
    return total


def flag(value: float) -> str:
    return "major" if value > MAJOR else "moderate" if value > MODERATE else ""


def _numeric_entry(name: str, reference: Mapping[str, Any], live: FloatArray) -> dict[str, Any]:
    edges = reference["edges"]
    counts, missing = _numeric_counts(edges, live)
    total = len(live)
    expected = [*reference["shares"], reference.get("missing", 0.0)]
    actual = _shares([*counts, missing], total)
    labels = [f"<= {e:g}" for e in edges] + [f"> {edges[-1]:g}" if edges else "all", MISSING]
    return _entry(name, "numeric", labels, expected, actual)


def _entry(
    name: str, kind: str, labels: Sequence[str], expected: Sequence[float], actual: Sequence[float]
) -> dict[str, Any]:
    value = psi(expected, actual)
    moved = max(range(len(labels)), key=lambda i: abs(actual[i] - expected[i]))
    return {
        "feature": name,
        "kind": kind,
        "psi": value,
        "flag": flag(value),
        "largest_move": {
            "bin": labels[moved],
            "training_share": expected[moved],
            "live_share": actual[moved],
        },
        "bins": [
            {"bin": b, "training_share": e, "live_share": a}
            for b, e, a in zip(labels, expected, actual, strict=True)
        ],
    }


def feature_drift(reference: Mapping[str, Any], live: FloatArray) -> list[dict[str, Any]]:
    """One entry per feature, sorted by PSI (largest first)."""
    entries = []
    for i, spec in enumerate(FEATURES):
        ref = reference["features"][spec.name]
        column = live[:, i]
        if spec.kind == "numeric":
            entries.append(_numeric_entry(spec.name, ref, column))
        else:
            counts = _categorical_counts(spec.categories, column)
            labels = [*spec.categories, MISSING]
            expected = [*(ref["shares"].get(c, 0.0) for c in spec.categories), ref["missing"]]
            actual = _shares([counts[c] for c in labels], len(column))
            entries.append(_entry(spec.name, "categorical", labels, expected, actual))
    entries.sort(key=lambda e: (-e["psi"], e["feature"]))
    return entries


def score_drift(reference: Mapping[str, Any], live: FloatArray) -> dict[str, Any]:
    score_ref = {"edges": reference["score"]["edges"], "shares": reference["score"]["shares"]}
    entry = _numeric_entry("score", score_ref, live)
    entry["live_mean"] = float(live.mean()) if len(live) else None
    return entry


# --- reading the log and the reference -------------------------------------------------


def read_log(log_dir: Path, since: dt.date | None = None) -> dict[str, list[Any]]:
    """The logged rows' features, scores and versions (decided on or after ``since``)."""
    files = [
        p
        for p in part_files(log_dir)
        if since is None
        or dt.date.fromisoformat(p.parent.name.removeprefix(PARTITION_PREFIX)) >= since
    ]
    if not files:
        raise DataError(f"{log_dir}: no decision log files" + (f" since {since}" if since else ""))
    wanted = ["feature_schema", "features", "fraud_model_version", "fraud_score"]
    wanted += ["wardrobing_model_version", "wardrobing_score"]
    try:
        table = pa.concat_tables([pq.read_table(p) for p in files], promote_options="default")
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(f"{log_dir}: cannot read the decision log: {exc}") from None
    columns: dict[str, list[Any]] = table.select(wanted).to_pydict()
    scored = [i for i, f in enumerate(columns["features"]) if f is not None]
    other = {s for i in scored if (s := columns["feature_schema"][i]) != SCHEMA_VERSION}
    if other:
        raise DataError(f"{log_dir}: rows of feature schema {sorted(other)}, not {SCHEMA_VERSION}")
    return {name: [values[i] for i in scored] for name, values in columns.items()}


def _model_version(root: Path, version: str | None) -> tuple[str, Path]:
    """(model name, directory) of ``version`` (any model), or of the active fraud model."""
    from models.returns.registry import MODEL_NAMES

    if version is None:
        return MODEL_NAMES["fraud"], active_version_dir(root, MODEL_NAMES["fraud"])
    for name in MODEL_NAMES.values():
        directory = version_dir(root, name, version)
        if directory.is_dir():
            return name, directory
    raise ModelNotFoundError(f"no returns model has a version {version!r} under {root}")


def _scores(directory: Path, features: FloatArray) -> FloatArray:
    model = RiskModel.load(directory)
    try:
        return np.array([model.score_features(r, top_k=0).probability for r in features.tolist()])
    finally:
        model.close()


def reference_of(
    root: Path, data: Path | None, version: str | None, progress: Any
) -> tuple[str, dict[str, Any], str]:
    """(what the reference is, its profile, the model whose scores are compared)."""
    from models.returns.compare import _rebuild

    name, directory = _model_version(root, version)
    meta = read_metadata(directory)
    if data is not None:
        table = datasets.load(data, tasks=())
        features = table.feature_matrix()
        progress(f"scoring {len(table)} rows of {data} with {name} {meta.version}")
        return (
            f"{data} ({len(table)} rows)",
            profile(features, _scores(directory, features), None),
            meta.version,
        )
    stored = read_profile(directory)
    if stored is not None:
        return f"training profile of {name} {meta.version}", stored, meta.version
    rebuilt: ReturnsDataset = _rebuild(meta, meta.task, progress)  # type: ignore[arg-type]
    features = rebuilt.feature_matrix()
    labels = rebuilt.labels[meta.task]  # type: ignore[index]
    if datasets.fingerprint(features, labels) != meta.training.get("data_fingerprint"):
        raise DataError(
            f"{rebuilt.source} no longer matches the data {meta.version} was trained on: "
            "pass --data TABLE (its training table)"
        )
    progress(f"scoring {len(rebuilt)} rows of {rebuilt.source} with {meta.version}")
    return (
        f"{rebuilt.source}, rebuilt",
        profile(features, _scores(directory, features), meta.training.get("data_fingerprint")),
        meta.version,
    )


def report(
    root: Path,
    log_dir: Path,
    *,
    data: Path | None = None,
    version: str | None = None,
    since: dt.date | None = None,
    progress: Any = lambda _: None,
) -> dict[str, Any]:
    """The drift report: PSI per feature (sorted), and the scores of the reference model."""
    live = read_log(log_dir, since)
    if not live["features"]:
        raise DataError(f"{log_dir}: no scored rows" + (f" since {since}" if since else ""))
    described, reference, model_version = reference_of(root, data, version, progress)
    matrix = np.array(live["features"], dtype=np.float64)
    features = feature_drift(reference, matrix)
    task = "fraud" if model_version in set(live["fraud_model_version"]) else "wardrobing"
    scored = [
        s
        for s, v in zip(live[f"{task}_score"], live[f"{task}_model_version"], strict=True)
        if v == model_version and s is not None
    ]
    scores = score_drift(reference, np.array(scored, dtype=np.float64)) if scored else None
    return {
        "log_dir": str(log_dir),
        "since": since.isoformat() if since else None,
        "live_rows": len(matrix),
        "reference": described,
        "reference_rows": reference.get("rows"),
        "thresholds": {"moderate": MODERATE, "major": MAJOR},
        "features": features,
        "score": None
        if scores is None
        else {"version": model_version, "rows": len(scored), **scores},
        "max_psi": max(e["psi"] for e in features),
    }


def render(found: Mapping[str, Any]) -> str:
    lines = [
        f"live: {found['live_rows']} logged rows in {found['log_dir']}"
        + (f" since {found['since']}" if found["since"] else ""),
        f"reference: {found['reference']}",
        f"PSI flags: > {MODERATE} moderate, > {MAJOR} major",
        "",
        f"{'feature':<26} {'kind':<11} {'PSI':>8}  {'flag':<9} largest move (training -> live)",
    ]
    for e in found["features"]:
        m = e["largest_move"]
        lines.append(
            f"{e['feature']:<26} {e['kind']:<11} {e['psi']:>8.4f}  {e['flag']:<9} "
            f"{m['bin']}: {m['training_share']:.3f} -> {m['live_share']:.3f}"
        )
    score = found["score"]
    lines.append("")
    if score is None:
        lines.append("scores: no logged row was scored by the reference version")
    else:
        m = score["largest_move"]
        lines.append(
            f"scores of {score['version']} ({score['rows']} rows): PSI {score['psi']:.4f} "
            f"{score['flag']}; largest move {m['bin']}: {m['training_share']:.3f} -> "
            f"{m['live_share']:.3f}"
        )
    return "\n".join(lines) + "\n"


# --- the command -----------------------------------------------------------------------


def add_command(sub: Any) -> None:
    """The `drift` subcommand of ``python -m models``."""
    p = sub.add_parser(
        "drift",
        help="population stability of the decision log's features and scores against "
        "the training data",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--log", type=Path, required=True, metavar="DIR", help="decision log directory")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--data", type=Path, help="the training table (Parquet or CSV)")
    source.add_argument("--version", help="a registry version (default: the active fraud model's)")
    p.add_argument(
        "--since", type=dt.date.fromisoformat, metavar="DATE", help="YYYY-MM-DD: live rows from"
    )
    p.add_argument(
        "--json", nargs="?", const="-", metavar="OUT", help="the report as JSON (bare: stdout)"
    )
    p.add_argument(
        "--fail-above",
        type=float,
        metavar="X",
        help="exit 1 when a feature's or the score's PSI exceeds X (default: always 0)",
    )


def run(args: argparse.Namespace, root: Path) -> int:
    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        found = report(
            root,
            args.log,
            data=args.data,
            version=args.version,
            since=args.since,
            progress=progress,
        )
    except RiskModelError as exc:
        raise DataError(str(exc)) from None
    text = json.dumps(found, indent=2) + "\n"
    if args.json == "-":
        sys.stdout.write(text)
    else:
        sys.stdout.write(render(found))
        if args.json:
            Path(args.json).write_text(text, encoding="utf-8")
    if args.fail_above is not None:
        worst = max(found["max_psi"], found["score"]["psi"] if found["score"] else 0.0)
        if worst > args.fail_above:
            progress(f"drift: PSI {worst:.4f} above {args.fail_above}")
            return 1
    return 0
