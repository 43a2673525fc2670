"""Champion / challenger: two registry versions of one model scored on the same rows.

``python -m models compare fraud A B`` loads both versions as the service does
(``RiskModel.load``: schema check, fast path checked against ``Booster.predict``) and
scores every row through ``score_features``, so the probabilities and bands compared are
the ones that would serve. Differences are B - A (challenger minus champion).

Which rows (``comparison_rows``), in order of preference:

1. ``--data TABLE``: every row of the table (the caller vouches neither version trained
   on it).
2. Both versions trained on the same data (same ``data_fingerprint``): that data's test
   split, which neither saw in training, early stopping or calibration. The data is
   rebuilt from its recorded source (the synthetic generator's rows and seed, or the
   table's path) and used only if its fingerprint still matches.
3. Both trained on synthetic data of different seeds: a fresh synthetic sample from a
   seed neither trained on, as large as the larger test split.
4. Otherwise there are no rows known to be unseen by both: ``CompareError`` asks for
   ``--data``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from models.returns import bootstrap, metrics
from models.returns import dataset as datasets
from models.returns.dataset import ReturnsDataset, Task
from services.returns_decision.core.risk import RiskBand
from services.returns_decision.engines.risk.artifact import ModelMetadata, read_metadata
from services.returns_decision.engines.risk.errors import ModelNotFoundError, RiskModelError
from services.returns_decision.engines.risk.model import RiskModel
from services.returns_decision.engines.risk.registry import version_dir

FloatArray = npt.NDArray[np.float64]
Labels = npt.NDArray[np.int8]
Progress = Callable[[str], None]

BANDS: Final = tuple(b.value for b in RiskBand)  # LOW .. CRITICAL
_SYNTHETIC: Final = re.compile(r"^synthetic\(rows=(\d+), seed=(-?\d+)\)$")
TOP_EXAMPLES: Final = 10
RELIABILITY_BINS: Final = 10


class CompareError(RiskModelError):
    """Two versions that cannot be compared as asked (e.g. no rows unseen by both)."""


@dataclass(frozen=True)
class Rows:
    dataset: ReturnsDataset
    features: FloatArray
    labels: Labels
    description: str
    kind: str  # "table", "test_split" or "fresh_synthetic"


def _synthetic(source: str) -> tuple[int, int] | None:
    match = _SYNTHETIC.fullmatch(source)
    return None if match is None else (int(match.group(1)), int(match.group(2)))


def _rebuild(meta: ModelMetadata, task: Task, progress: Progress) -> ReturnsDataset:
    """The version's training data from its recorded source (generator or table)."""
    source = str(meta.training.get("data_source"))
    synthetic = _synthetic(source)
    if synthetic is not None:
        rows, seed = synthetic
        progress(f"regenerating {source}")
        return datasets.from_synthetic(rows, seed)
    path = Path(source)
    if not path.is_file():
        raise CompareError(
            f"{meta.version} was trained on {source}, which is gone: pass --data TABLE "
            "with rows neither version trained on"
        )
    progress(f"reading {path}")
    return datasets.load(path, tasks=(task,))


def comparison_rows(
    task: Task,
    meta_a: ModelMetadata,
    meta_b: ModelMetadata,
    data: Path | None = None,
    progress: Progress = lambda _: None,
) -> Rows:
    """The rows both versions are scored on (see the module docstring for the order)."""
    if data is not None:
        progress(f"reading {data}")
        table = datasets.load(data, tasks=(task,))
        return Rows(
            table,
            table.feature_matrix(),
            table.labels[task],
            f"{data}: all {len(table)} rows",
            "table",
        )
    fp_a = meta_a.training.get("data_fingerprint")
    fp_b = meta_b.training.get("data_fingerprint")
    if fp_a is not None and fp_a == fp_b:
        return _shared_test_split(task, meta_a, progress)
    source_a = _synthetic(str(meta_a.training.get("data_source")))
    source_b = _synthetic(str(meta_b.training.get("data_source")))
    if source_a is not None and source_b is not None:
        seeds = {source_a[1], source_b[1]}
        seed = max(seeds) + 1
        rows = max(
            int(m.training["splits"]["test"]["rows"]) for m in (meta_a, meta_b)
        )  # as many rows as the larger test split
        progress(f"generating a fresh synthetic sample ({rows} rows, seed {seed})")
        fresh = datasets.from_synthetic(rows, seed)
        return Rows(
            fresh,
            fresh.feature_matrix(),
            fresh.labels[task],
            f"fresh synthetic sample {fresh.source}: the versions trained on seeds "
            f"{sorted(seeds)}, neither on {seed}",
            "fresh_synthetic",
        )
    raise CompareError(
        f"{meta_a.version} and {meta_b.version} were trained on different data "
        f"({meta_a.training.get('data_source')} and {meta_b.training.get('data_source')}), "
        "so no rows are known to be unseen by both: pass --data TABLE"
    )


def _shared_test_split(task: Task, meta: ModelMetadata, progress: Progress) -> Rows:
    full = _rebuild(meta, task, progress)
    if task not in full.labels:
        raise CompareError(f"{full.source} has no labels for {task!r}")
    features = full.feature_matrix()
    labels = full.labels[task]
    recorded = meta.training["data_fingerprint"]
    if datasets.fingerprint(features, labels) != recorded:
        raise CompareError(
            f"{full.source} no longer matches the data {meta.version} was trained on "
            f"(fingerprint {recorded}): pass --data TABLE with rows neither version trained on"
        )
    n_test = int(meta.training["splits"]["test"]["rows"])
    index = slice(len(full) - n_test, len(full))  # the split is by time: the newest rows
    test = full.subset(index)
    return Rows(
        test,
        features[index],
        labels[index],
        f"test split of {full.source} (its newest {n_test} rows, "
        f"{test.inputs[0].requested_on} to {test.inputs[-1].requested_on}), which neither "
        "version trained, early-stopped or calibrated on",
        "test_split",
    )


@dataclass(frozen=True)
class Scored:
    version: str
    probabilities: FloatArray
    bands: list[str]
    thresholds: dict[str, float]  # lower bound of each band above LOW


def score(directory: Path, features: FloatArray) -> Scored:
    """Every row through the serving code path (``RiskModel.score_features``)."""
    model = RiskModel.load(directory)
    try:
        scores = [model.score_features(row, top_k=0) for row in features.tolist()]
        return Scored(
            version=model.version,
            probabilities=np.array([s.probability for s in scores], dtype=np.float64),
            bands=[s.band.value for s in scores],
            thresholds=model.bands.to_json(),
        )
    finally:
        model.close()


def _metric_row(
    name: str,
    a: float | None,
    b: float | None,
    values_a: FloatArray,
    values_b: FloatArray,
    lower_is_better: bool = False,
) -> dict[str, Any]:
    difference = None if a is None or b is None else b - a
    return {
        "metric": name,
        "a": a,
        "b": b,
        "difference": difference,
        "a_ci": bootstrap.interval(values_a).to_json(),
        "b_ci": bootstrap.interval(values_b).to_json(),
        "difference_ci": bootstrap.interval(values_b - values_a).to_json(),
        "lower_is_better": lower_is_better,
    }


def _nan_to_none(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _ece(probabilities: FloatArray, labels: Labels) -> float:
    return float(
        bootstrap.expected_calibration_error(probabilities, labels, RELIABILITY_BINS)(
            np.ones((1, len(labels)))
        )[0]
    )


def _reliability(probabilities: FloatArray, labels: Labels) -> list[dict[str, float | int]]:
    curve = metrics.reliability_curve(probabilities, labels, RELIABILITY_BINS)
    return [
        {"mean_predicted": float(p), "observed_rate": float(o), "count": int(c)}
        for p, o, c in zip(curve.mean_predicted, curve.observed_rate, curve.count, strict=True)
    ]


def _inputs(dataset: ReturnsDataset, row: int) -> dict[str, Any]:
    values = dataclasses.asdict(dataset.inputs[row])
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def _decisions(rows: Rows, a: Scored, b: Scored, top: int) -> dict[str, Any]:
    crosstab = {x: dict.fromkeys(BANDS, 0) for x in BANDS}
    for band_a, band_b in zip(a.bands, b.bands, strict=True):
        crosstab[band_a][band_b] += 1
    changed = [i for i, (x, y) in enumerate(zip(a.bands, b.bands, strict=True)) if x != y]
    gap = np.abs(b.probabilities - a.probabilities)
    changed.sort(key=lambda i: (-gap[i], i))
    return {
        "changed": len(changed),
        "share_changed": len(changed) / len(a.bands),
        "crosstab": crosstab,
        "top": [
            {
                "row": i,
                "label": int(rows.labels[i]),
                "a": {"probability": float(a.probabilities[i]), "band": a.bands[i]},
                "b": {"probability": float(b.probabilities[i]), "band": b.bands[i]},
                "inputs": _inputs(rows.dataset, i),
            }
            for i in changed[:top]
        ],
    }


def compare_scored(
    rows: Rows,
    a: Scored,
    b: Scored,
    *,
    resamples: int = bootstrap.DEFAULT_RESAMPLES,
    seed: int = bootstrap.DEFAULT_SEED,
    top: int = TOP_EXAMPLES,
    progress: Progress = lambda _: None,
) -> dict[str, Any]:
    """Point metrics (``metrics``' definitions), paired bootstrap intervals, decisions."""
    y = rows.labels
    if y.all() or not y.any():
        raise CompareError(f"{rows.description}: both classes must be present")
    pa, pb = a.probabilities, b.probabilities
    ece_a = bootstrap.expected_calibration_error(pa, y, RELIABILITY_BINS)
    ece_b = bootstrap.expected_calibration_error(pb, y, RELIABILITY_BINS)
    named: list[tuple[str, bootstrap.Metric, bootstrap.Metric, float | None, float | None]] = [
        (
            "roc_auc",
            bootstrap.roc_auc(pa, y),
            bootstrap.roc_auc(pb, y),
            metrics.roc_auc(pa, y),
            metrics.roc_auc(pb, y),
        ),
        (
            "pr_auc",
            bootstrap.average_precision(pa, y),
            bootstrap.average_precision(pb, y),
            metrics.average_precision(pa, y),
            metrics.average_precision(pb, y),
        ),
        (
            "brier",
            bootstrap.brier(pa, y),
            bootstrap.brier(pb, y),
            metrics.brier(pa, y),
            metrics.brier(pb, y),
        ),
        ("ece", ece_a, ece_b, _ece(pa, y), _ece(pb, y)),
    ]
    band_named: list[tuple[str, bootstrap.Metric, bootstrap.Metric, float | None, float | None]]
    band_named = []
    for band in BANDS[1:]:
        ta, tb = a.thresholds[band], b.thresholds[band]
        prec_a, rec_a, _ = metrics.precision_recall_at(pa, y, ta)
        prec_b, rec_b, _ = metrics.precision_recall_at(pb, y, tb)
        band_named.append(
            (
                f"{band} precision",
                bootstrap.precision_at(pa, y, ta),
                bootstrap.precision_at(pb, y, tb),
                _nan_to_none(prec_a),
                _nan_to_none(prec_b),
            )
        )
        band_named.append(
            (
                f"{band} recall",
                bootstrap.recall_at(pa, y, ta),
                bootstrap.recall_at(pb, y, tb),
                rec_a,
                rec_b,
            )
        )
    everything = named + band_named
    values_a: list[list[FloatArray]] = [[] for _ in everything]
    values_b: list[list[FloatArray]] = [[] for _ in everything]
    done = 0
    for counts in bootstrap.resample_counts(len(y), resamples, seed):
        for k, (_, fa, fb, _, _) in enumerate(everything):
            values_a[k].append(fa(counts))
            values_b[k].append(fb(counts))
        done += len(counts)
        progress(f"  bootstrap: {done}/{resamples} resamples")
    table = [
        _metric_row(
            name,
            pa_value,
            pb_value,
            np.concatenate(values_a[k]),
            np.concatenate(values_b[k]),
            lower_is_better=name in ("brier", "ece"),
        )
        for k, (name, _, _, pa_value, pb_value) in enumerate(everything)
    ]
    return {
        "rows": {
            "description": rows.description,
            "kind": rows.kind,
            "count": len(y),
            "positives": int(y.sum()),
        },
        "bootstrap": {
            "resamples": resamples,
            "seed": seed,
            "confidence": bootstrap.CONFIDENCE,
            "paired": True,
        },
        "a": {"version": a.version, "thresholds": a.thresholds},
        "b": {"version": b.version, "thresholds": b.thresholds},
        "metrics": table[: len(named)],
        "band_metrics": table[len(named) :],
        "reliability": {"a": _reliability(pa, y), "b": _reliability(pb, y)},
        "decisions": _decisions(rows, a, b, top),
    }


def _metadata(root: Path, name: str, version: str) -> tuple[Path, ModelMetadata]:
    directory = version_dir(root, name, version)
    if not directory.is_dir():
        raise ModelNotFoundError(f"model {name!r} has no version {version!r}")
    return directory, read_metadata(directory)


def compare(
    root: Path,
    name: str,
    version_a: str,
    version_b: str,
    *,
    data: Path | None = None,
    resamples: int = bootstrap.DEFAULT_RESAMPLES,
    seed: int = bootstrap.DEFAULT_SEED,
    top: int = TOP_EXAMPLES,
    progress: Progress = lambda _: None,
) -> dict[str, Any]:
    """Scores ``version_a`` and ``version_b`` of ``name`` on the same rows; JSON-able."""
    dir_a, meta_a = _metadata(root, name, version_a)
    dir_b, meta_b = _metadata(root, name, version_b)
    if meta_a.task != meta_b.task:
        raise CompareError(f"{version_a} is a {meta_a.task} model, {version_b} a {meta_b.task} one")
    task: Task = meta_a.task  # type: ignore[assignment]
    rows = comparison_rows(task, meta_a, meta_b, data, progress)
    progress(f"scoring {len(rows.labels)} rows with {version_a} and {version_b}")
    scored_a = score(dir_a, rows.features)
    scored_b = score(dir_b, rows.features)
    progress(f"bootstrap: {resamples} paired resamples (seed {seed})")
    report = compare_scored(
        rows, scored_a, scored_b, resamples=resamples, seed=seed, top=top, progress=progress
    )
    return {"name": name, "task": task, **report}


# --- on the decision log: an active version and its shadow on live traffic ------------


def _logged_pairs(
    columns: Mapping[str, list[Any]], task: Task, version_a: str, version_b: str
) -> list[tuple[int, float, str, float, str]]:
    """Rows (latest record per line) where one version served and the other was the
    shadow: (index, A's score, A's band, B's score, B's band)."""
    from models.returns.decisions import latest

    found = []
    for i in sorted(latest(columns).values()):
        active, shadow = columns[f"{task}_model_version"][i], columns[f"{task}_shadow_version"][i]
        served = (columns[f"{task}_score"][i], columns[f"{task}_band"][i])
        shadowed = (columns[f"{task}_shadow_score"][i], columns[f"{task}_shadow_band"][i])
        if served[0] is None or shadowed[0] is None:
            continue
        if (active, shadow) == (version_a, version_b):
            found.append((i, served[0], served[1], shadowed[0], shadowed[1]))
        elif (active, shadow) == (version_b, version_a):
            found.append((i, shadowed[0], shadowed[1], served[0], served[1]))
    return found


def _distribution(values: FloatArray) -> dict[str, float]:
    quantiles = np.quantile(values, (0.1, 0.5, 0.9, 0.99)).tolist()
    return {
        "mean": float(values.mean()),
        **{f"p{q}": v for q, v in zip((10, 50, 90, 99), quantiles, strict=True)},
    }


def compare_logged(
    root: Path,
    name: str,
    version_a: str,
    version_b: str,
    log_dir: Path,
    *,
    as_of: dt.date,
    maturity_days: int,
    resamples: int = bootstrap.DEFAULT_RESAMPLES,
    seed: int = bootstrap.DEFAULT_SEED,
    top: int = TOP_EXAMPLES,
    progress: Progress = lambda _: None,
) -> dict[str, Any]:
    """A version and its shadow on the traffic the service logged: band agreement and score
    distributions on every row both scored, and, on the rows whose outcomes label them
    (``models dataset``'s labels), the metrics of ``compare_scored``."""
    from models.returns import decisions
    from models.returns.drift import psi

    dir_a, meta_a = _metadata(root, name, version_a)
    _, meta_b = _metadata(root, name, version_b)
    if meta_a.task != meta_b.task:
        raise CompareError(f"{version_a} is a {meta_a.task} model, {version_b} a {meta_b.task} one")
    task: Task = meta_a.task  # type: ignore[assignment]
    scores = [f"{task}_{c}" for c in ("model_version", "score", "band")]
    scores += [f"{task}_shadow_{c}" for c in ("version", "score", "band")]
    columns, files = decisions.read_log(
        log_dir, [*decisions.ID_COLUMNS, *datasets.INPUT_COLUMNS], optional=scores
    )
    pairs = _logged_pairs(columns, task, version_a, version_b)
    if not pairs:
        raise CompareError(
            f"{log_dir}: no logged row was scored by both {version_a} and {version_b} (one "
            f"active, the other shadow: python -m models shadow {task} VERSION)"
        )
    progress(f"{len(pairs)} logged rows scored by both, in {files} files")
    pa_, pb_ = (np.array([p[k] for p in pairs], dtype=np.float64) for k in (1, 3))
    crosstab = {x: dict.fromkeys(BANDS, 0) for x in BANDS}
    for p in pairs:
        crosstab[p[2]][p[4]] += 1
    agree = sum(p[2] == p[4] for p in pairs)
    deciles = sorted(set(np.quantile(pa_, np.arange(1, 10) / 10).tolist()))
    bins_a = np.bincount(np.searchsorted(deciles, pa_), minlength=len(deciles) + 1) / len(pa_)
    bins_b = np.bincount(np.searchsorted(deciles, pb_), minlength=len(deciles) + 1) / len(pb_)
    logged = {
        "log_dir": str(log_dir),
        "rows": len(pairs),
        "band_agreement": agree / len(pairs),
        "crosstab": crosstab,
        "a_scores": _distribution(pa_),
        "b_scores": _distribution(pb_),
        "mean_abs_difference": float(np.abs(pb_ - pa_).mean()),
        "score_psi": psi(bins_a.tolist(), bins_b.tolist()),  # B against A's deciles
    }
    report: dict[str, Any] = {"name": name, "task": task, "logged": logged, "outcomes": None}

    table, built = decisions.build(log_dir, as_of=as_of, maturity_days=maturity_days, tasks=(task,))
    label = datasets.LABEL_COLUMNS[task]
    labelled = {
        key: y
        for key, y in zip(
            zip(table["tenant_id"], table["request_id"], table["line_item_id"], strict=True),
            table[label],
            strict=True,
        )
    }
    keys = [
        (columns["tenant_id"][p[0]], columns["request_id"][p[0]], columns["line_item_id"][p[0]])
        for p in pairs
    ]
    chosen = [k for k, key in enumerate(keys) if key in labelled]
    # from_columns sorts rows by requested_on (stably): sort first, so rows and scores align.
    chosen.sort(key=lambda k: columns["requested_on"][pairs[k][0]])
    y = np.array([labelled[keys[k]] for k in chosen], dtype=np.int8)
    if len(chosen) == 0 or y.all() or not y.any():
        report["outcomes"] = {
            "skipped": f"{len(chosen)} of the rows are labelled by their outcomes (as of "
            f"{built.as_of}, maturity {maturity_days} days); both classes are needed"
        }
        return report
    import pyarrow as pa  # type: ignore[import-untyped]

    from models.returns.table_io import columns_of
    from services.returns_decision.engines.decision_log.schema import DECISION_SCHEMA

    # Typed as the log types them, then read as a table file would be.
    logged_inputs = pa.table(
        {
            c: pa.array(
                [columns[c][pairs[k][0]] for k in chosen], type=DECISION_SCHEMA.field(c).type
            )
            for c in datasets.INPUT_COLUMNS
        }
    )
    inputs = columns_of(logged_inputs)
    inputs[label] = y
    rows_ds = datasets.from_columns(inputs, source=f"{log_dir} (logged)", tasks=(task,))
    rows = Rows(
        rows_ds,
        rows_ds.feature_matrix(),
        rows_ds.labels[task],
        f"{len(chosen)} logged rows of {log_dir} scored by both and labelled by their "
        f"outcomes (as of {built.as_of}, maturity {maturity_days} days)",
        "decision_log",
    )
    scored_a = Scored(
        version_a,
        pa_[chosen],
        [pairs[k][2] for k in chosen],
        read_metadata(dir_a).bands,
    )
    scored_b = Scored(
        version_b,
        pb_[chosen],
        [pairs[k][4] for k in chosen],
        meta_b.bands,
    )
    progress(f"bootstrap: {resamples} paired resamples (seed {seed})")
    report["outcomes"] = compare_scored(
        rows, scored_a, scored_b, resamples=resamples, seed=seed, top=top, progress=progress
    )
    return report


def render_logged(report: Mapping[str, Any]) -> str:
    logged = report["logged"]
    a, b = logged["a_scores"], logged["b_scores"]
    lines = [
        f"{report['name']} ({report['task']}) on the decision log {logged['log_dir']}: "
        f"{logged['rows']} rows scored by both (one serving, the other in shadow)",
        f"bands agree on {100 * logged['band_agreement']:.2f} % of rows; "
        f"mean |B - A| score {logged['mean_abs_difference']:.4f}; "
        f"PSI of B's scores over A's deciles {logged['score_psi']:.4f}",
        f"{'scores':<8}" + "".join(f"{k:>9}" for k in a),
        f"{'A':<8}" + "".join(f"{v:>9.4f}" for v in a.values()),
        f"{'B':<8}" + "".join(f"{v:>9.4f}" for v in b.values()),
        f"{'A | B':<10}" + "".join(f"{band:>10}" for band in BANDS),
    ]
    for band_a in BANDS:
        lines.append(
            f"{band_a:<10}" + "".join(f"{logged['crosstab'][band_a][x]:>10}" for x in BANDS)
        )
    outcomes = report["outcomes"]
    lines.append("")
    if outcomes is None or "skipped" in outcomes:
        lines.append(f"metrics on outcomes: none ({(outcomes or {}).get('skipped', '')})")
        return "\n".join(lines) + "\n"
    return "\n".join(lines) + "\n\n" + render({**report, **outcomes})


# --- the readable table ---------------------------------------------------------------


def _f(value: float | None, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _ci(ci: Mapping[str, Any], digits: int = 4) -> str:
    if ci["low"] is None:
        return "n/a"
    return f"[{ci['low']:.{digits}f}, {ci['high']:.{digits}f}]"


def _verdict(row: Mapping[str, Any]) -> str:
    """Which side the difference's interval excludes zero for, if either."""
    ci = row["difference_ci"]
    if ci["low"] is None:
        return ""
    if ci["low"] > 0:
        better = "A" if row["lower_is_better"] else "B"
    elif ci["high"] < 0:
        better = "B" if row["lower_is_better"] else "A"
    else:
        return "no clear difference"
    return f"{better} better"


def render(report: Mapping[str, Any]) -> str:
    rows = report["rows"]
    boot = report["bootstrap"]
    a, b = report["a"]["version"], report["b"]["version"]
    lines = [
        f"{report['name']} ({report['task']}): A = {a}, B = {b}",
        f"rows: {rows['count']} ({rows['positives']} positive); {rows['description']}",
        f"{100 * boot['confidence']:.0f} % intervals from {boot['resamples']} paired bootstrap "
        f"resamples (seed {boot['seed']}); difference = B - A",
        "",
    ]
    header = f"{'metric':<20} {'A':>8} {'A interval':>19} {'B':>8} {'B interval':>19} "
    header += f"{'B - A':>8} {'B - A interval':>21}  verdict"
    lines += [header, "-" * len(header)]
    for row in [*report["metrics"], *report["band_metrics"]]:
        lines.append(
            f"{row['metric']:<20} {_f(row['a']):>8} {_ci(row['a_ci']):>19} {_f(row['b']):>8} "
            f"{_ci(row['b_ci']):>19} {_f(row['difference']):>8} "
            f"{_ci(row['difference_ci']):>21}  {_verdict(row)}"
        )
    lines += [
        "",
        "Band metrics are for 'this band or above', each version at its own thresholds:",
        "  " + ", ".join(f"{k} >= {v:.4f}" for k, v in report["a"]["thresholds"].items()) + " (A)",
        "  " + ", ".join(f"{k} >= {v:.4f}" for k, v in report["b"]["thresholds"].items()) + " (B)",
        "",
        "Reliability (equal-count bins): mean predicted / observed rate",
    ]
    for side in ("a", "b"):
        cells = " ".join(
            f"{r['mean_predicted']:.3f}/{r['observed_rate']:.3f}"
            for r in report["reliability"][side]
        )
        lines.append(f"  {side.upper()}: {cells}")
    decisions = report["decisions"]
    lines += [
        "",
        f"Decisions: {decisions['changed']} of {rows['count']} rows change band "
        f"({100 * decisions['share_changed']:.2f} %). Rows: band under A; columns: under B.",
        f"{'A | B':<10}" + "".join(f"{band:>10}" for band in BANDS),
    ]
    for band_a in BANDS:
        lines.append(
            f"{band_a:<10}" + "".join(f"{decisions['crosstab'][band_a][x]:>10}" for x in BANDS)
        )
    if decisions["top"]:
        lines += [
            "",
            "Largest changes of band (by |B - A| probability):",
            f"{'row':>6} {'date':<10} {'label':>5} {'A':>8} {'A band':<9} {'B':>8} {'B band':<9} "
            "category / reason / order value",
        ]
        for ex in decisions["top"]:
            inputs = ex["inputs"]
            lines.append(
                f"{ex['row']:>6} {inputs['requested_on']:<10} {ex['label']:>5} "
                f"{ex['a']['probability']:>8.4f} {ex['a']['band']:<9} "
                f"{ex['b']['probability']:>8.4f} {ex['b']['band']:<9} "
                f"{inputs['item_category']} / {inputs['reason_code']} / "
                f"{inputs['order_value']:.2f}"
            )
    return "\n".join(lines) + "\n"
