"""Training one returns risk model: split, boost, calibrate, choose bands, evaluate.

Split by time (rows are in request order): the oldest 70 % train, the next 15 % validate
(early stopping, calibration, band thresholds), the newest 15 % test (the report only).
That is how the model is used: trained on the past, scoring the future.

Determinism: LightGBM runs with ``deterministic``, ``force_row_wise``, a fixed thread count
and every seed derived from ``seed``; the generator and the calibration fits are seeded or
closed-form. Same data and config therefore give the same ``model.txt`` and
``metadata.json`` bytes, and so the same content-derived version name.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import lightgbm
import numpy as np
import numpy.typing as npt

from models.returns import metrics
from models.returns.band_selection import BandTargets, band_table, choose_bands
from models.returns.calibrate import fit_isotonic, fit_platt
from models.returns.dataset import DataError, ReturnsDataset, Task, fingerprint
from services.returns_decision.engines.risk.artifact import ModelMetadata, content_version
from services.returns_decision.engines.risk.bands import ScoreBands
from services.returns_decision.engines.risk.calibration import Calibrator
from services.returns_decision.engines.risk.features import (
    CATEGORICAL_FEATURES,
    FEATURE_NAMES,
    FEATURE_SCHEMA,
)

FloatArray = npt.NDArray[np.float64]
Progress = Callable[[str], None]

MIN_POSITIVES_PER_SPLIT = 10
LOCAL: Final[Mapping[str, Any]] = {"mode": "local"}  # `trained_on` of in-process training


@dataclass(frozen=True)
class TrainConfig:
    task: Task
    seed: int = 20240601
    # Small, shallow trees: the same AUC as deeper ones here, and TreeSHAP explanations cost
    # O(trees x leaves x depth^2) per row, so depth is what keeps explanations cheap.
    learning_rate: float = 0.1
    num_leaves: int = 8
    max_depth: int = 4
    min_data_in_leaf: int = 50
    feature_fraction: float = 0.9
    bagging_fraction: float = 0.8
    lambda_l2: float = 1.0
    max_rounds: int = 1000
    early_stopping_rounds: int = 100
    num_threads: int = 1  # fixed: histogram sums depend on the thread split
    calibration: Literal["platt", "isotonic"] = "platt"
    valid_share: float = 0.15
    test_share: float = 0.15
    max_positive_weight: float = 10.0
    band_targets: BandTargets = field(default_factory=BandTargets)

    def lightgbm_params(self, positive_weight: float) -> dict[str, Any]:
        return {
            "objective": "binary",
            "metric": "auc",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "max_depth": self.max_depth,
            "min_data_in_leaf": self.min_data_in_leaf,
            "feature_fraction": self.feature_fraction,
            "bagging_fraction": self.bagging_fraction,
            "bagging_freq": 1,
            "lambda_l2": self.lambda_l2,
            # Imbalance: up-weight positives (capped so a handful cannot dominate); the
            # calibration fitted afterwards undoes the resulting shift in probabilities.
            "scale_pos_weight": positive_weight,
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,
            "num_threads": self.num_threads,
            "verbose": -1,
        }


@dataclass(frozen=True)
class Split:
    name: str
    features: FloatArray
    labels: npt.NDArray[np.int8]
    posterior: FloatArray | None  # the generator's true posterior, when known
    first_day: str
    last_day: str


@dataclass(frozen=True)
class TrainResult:
    model_text: str
    metadata: ModelMetadata
    booster: lightgbm.Booster  # loaded back from model_text: exactly what serving loads
    calibrator: Calibrator
    bands: ScoreBands
    splits: dict[str, Split]
    raw_scores: dict[str, FloatArray]  # Booster.predict per split
    probabilities: dict[str, FloatArray]  # calibrated, per split
    timings: dict[str, float]  # seconds per stage (not part of the artifact)


def _split(dataset: ReturnsDataset, task: Task, config: TrainConfig) -> dict[str, Split]:
    if task not in dataset.labels:
        raise DataError(f"no labels for task {task!r} in {dataset.source}")
    n = len(dataset)
    n_test = round(n * config.test_share)
    n_valid = round(n * config.valid_share)
    n_train = n - n_test - n_valid
    bounds = {
        "train": slice(0, n_train),
        "valid": slice(n_train, n_train + n_valid),
        "test": slice(n_train + n_valid, n),
    }
    features = dataset.feature_matrix()
    labels = dataset.labels[task]
    posterior = dataset.posterior.get(task)
    splits: dict[str, Split] = {}
    for name, index in bounds.items():
        part = dataset.inputs[index]
        y = labels[index]
        positives = int(y.sum())
        if not part or positives < MIN_POSITIVES_PER_SPLIT or positives == len(y):
            raise DataError(
                f"{name} split ({len(y)} rows, {positives} positive) needs at least "
                f"{MIN_POSITIVES_PER_SPLIT} positive and some negative rows for {task!r}"
            )
        splits[name] = Split(
            name=name,
            features=features[index],
            labels=y,
            posterior=None if posterior is None else posterior[index],
            first_day=part[0].requested_on.isoformat(),
            last_day=part[-1].requested_on.isoformat(),
        )
    return splits


def _progress_callback(progress: Progress, every: int) -> Callable[[Any], None]:
    def callback(env: Any) -> None:
        iteration = env.iteration + 1
        if iteration % every == 0:
            scores = ", ".join(
                f"{data} {metric} {value:.4f}"
                for data, metric, value, _ in env.evaluation_result_list
            )
            progress(f"  round {iteration}: {scores}")

    return callback


# (train, valid, LightGBM params, config, progress) -> (model text trimmed to the best
# iteration, best iteration)
Boost = Callable[[Split, Split, dict[str, Any], TrainConfig, Progress], tuple[str, int]]


def boost_locally(
    train_split: Split,
    valid_split: Split,
    params: dict[str, Any],
    config: TrainConfig,
    progress: Progress,
) -> tuple[str, int]:
    """In-process LightGBM with early stopping on the validation split."""
    train_set = lightgbm.Dataset(
        train_split.features,
        label=train_split.labels,
        feature_name=list(FEATURE_NAMES),
        categorical_feature=list(CATEGORICAL_FEATURES),
        params={"verbose": -1, "seed": config.seed},
        free_raw_data=False,
    )
    valid_set = lightgbm.Dataset(
        valid_split.features, label=valid_split.labels, reference=train_set
    )
    booster = lightgbm.train(
        params,
        train_set,
        num_boost_round=config.max_rounds,
        valid_sets=[valid_set],
        valid_names=["valid"],
        callbacks=[
            lightgbm.early_stopping(
                config.early_stopping_rounds, first_metric_only=True, verbose=False
            ),
            _progress_callback(progress, every=50),
        ],
    )
    best_iteration = int(booster.best_iteration) or booster.current_iteration()
    progress(f"  best round {best_iteration} (valid auc {booster.best_score['valid']['auc']:.4f})")
    return booster.model_to_string(num_iteration=best_iteration), best_iteration


def _calibrate(raw: FloatArray, calibrator: Calibrator) -> FloatArray:
    # Element by element through the serving code, so training and serving agree exactly.
    return np.array([calibrator(float(p)) for p in raw], dtype=np.float64)


def train(
    dataset: ReturnsDataset,
    config: TrainConfig,
    *,
    name: str,
    progress: Progress = lambda _: None,
    boost: Boost | None = None,
    trained_on: Mapping[str, Any] = LOCAL,
) -> TrainResult:
    """Trains, calibrates and evaluates; ``boost`` swaps the boosting step (e.g. dask) and
    ``trained_on`` says where it ran (recorded in the metadata)."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    progress(f"building features for {len(dataset)} rows ({dataset.source})")
    splits = _split(dataset, config.task, config)
    timings["features"] = time.perf_counter() - started

    started = time.perf_counter()
    params, model_text, best_iteration = _boost(splits, config, name, progress, boost)
    timings["boosting"] = time.perf_counter() - started

    final = lightgbm.Booster(model_str=model_text)
    raw = {
        name_: np.asarray(
            final.predict(split.features, num_threads=config.num_threads), dtype=np.float64
        )
        for name_, split in splits.items()
    }

    started = time.perf_counter()
    calibrator, probabilities, bands, band_notes = _calibrate_and_band(raw, splits["valid"], config)
    timings["calibration"] = time.perf_counter() - started
    progress(
        f"calibrated ({config.calibration}); bands MEDIUM >= {bands.medium:.4f}, "
        f"HIGH >= {bands.high:.4f}, CRITICAL >= {bands.critical:.4f}"
    )

    test_metrics, best = _test_metrics(splits["test"], raw, probabilities, bands, progress)
    training = _training_record(
        final, params, config, best_iteration, dataset, splits, band_notes, test_metrics, best
    )
    training["trained_on"] = dict(trained_on)
    metadata = ModelMetadata(
        name=name,
        version="",
        task=config.task,
        feature_schema=FEATURE_SCHEMA.to_json(),
        schema_fingerprint=FEATURE_SCHEMA.fingerprint,
        calibration=calibrator.to_json(),
        bands=bands.to_json(),
        training=training,
    )
    metadata = dataclasses.replace(metadata, version=content_version(model_text, metadata))
    return TrainResult(
        model_text=model_text,
        metadata=metadata,
        booster=final,
        calibrator=calibrator,
        bands=bands,
        splits=splits,
        raw_scores=raw,
        probabilities=probabilities,
        timings=timings,
    )


def _boost(
    splits: dict[str, Split],
    config: TrainConfig,
    name: str,
    progress: Progress,
    boost: Boost | None,
) -> tuple[dict[str, Any], str, int]:
    """LightGBM's parameters, the model text trimmed to its best iteration, and that
    iteration."""
    train_split, valid_split = splits["train"], splits["valid"]
    positives = int(train_split.labels.sum())
    negatives = len(train_split.labels) - positives
    positive_weight = min(negatives / positives, config.max_positive_weight)
    params = config.lightgbm_params(positive_weight)
    progress(
        f"training {name} ({config.task}): {len(train_split.labels)} train rows "
        f"({positives} positive), {len(valid_split.labels)} validation rows, "
        f"positive weight {positive_weight:.2f}"
    )
    model_text, best_iteration = (boost or boost_locally)(
        train_split, valid_split, params, config, progress
    )
    return params, model_text, best_iteration


def _calibrate_and_band(
    raw: dict[str, FloatArray], valid_split: Split, config: TrainConfig
) -> tuple[Calibrator, dict[str, FloatArray], ScoreBands, dict[str, Any]]:
    """Calibration fitted and band thresholds chosen on the validation split; the
    calibrated probabilities of every split."""
    fit = fit_platt if config.calibration == "platt" else fit_isotonic
    calibrator: Calibrator = fit(raw["valid"], valid_split.labels)
    probabilities = {k: _calibrate(v, calibrator) for k, v in raw.items()}
    bands, band_notes = choose_bands(
        probabilities["valid"], valid_split.labels, config.band_targets
    )
    return calibrator, probabilities, bands, band_notes


def _test_metrics(
    test: Split,
    raw: dict[str, FloatArray],
    probabilities: dict[str, FloatArray],
    bands: ScoreBands,
    progress: Progress,
) -> tuple[dict[str, Any], dict[str, float] | None]:
    """The test split's metrics, and those of the generator's true posterior when known."""
    test_metrics = evaluate(probabilities["test"], raw["test"], test.labels)
    test_metrics["bands"] = band_table(probabilities["test"], test.labels, bands)
    best: dict[str, float] | None = None
    if test.posterior is not None:
        best = {
            "roc_auc": metrics.roc_auc(test.posterior, test.labels),
            "pr_auc": metrics.average_precision(test.posterior, test.labels),
            "brier": metrics.brier(test.posterior, test.labels),
        }
    progress(
        f"test: ROC-AUC {test_metrics['roc_auc']:.4f}, PR-AUC {test_metrics['pr_auc']:.4f}"
        + (f" (best achievable ROC-AUC {best['roc_auc']:.4f})" if best else "")
    )
    return test_metrics, best


def _training_record(
    final: lightgbm.Booster,
    params: dict[str, Any],
    config: TrainConfig,
    best_iteration: int,
    dataset: ReturnsDataset,
    splits: dict[str, Split],
    band_notes: dict[str, Any],
    test_metrics: dict[str, Any],
    best: dict[str, float] | None,
) -> dict[str, Any]:
    """How the model was trained, stored in its metadata (so part of its version)."""
    gain = final.feature_importance(importance_type="gain")
    return {
        "lightgbm_version": lightgbm.__version__,
        "params": params,
        "config": _jsonable(dataclasses.asdict(config)),
        "best_iteration": best_iteration,
        "data_source": dataset.source,
        # Absent from the table, so constant: the model learned nothing from these.
        "defaulted_columns": list(dataset.defaulted),
        "data_fingerprint": fingerprint(
            np.concatenate([s.features for s in splits.values()]),
            np.concatenate([s.labels for s in splits.values()]),
        ),
        "splits": {
            k: {
                "rows": len(s.labels),
                "positives": int(s.labels.sum()),
                "first_day": s.first_day,
                "last_day": s.last_day,
            }
            for k, s in splits.items()
        },
        "band_selection": band_notes,
        "test_metrics": test_metrics,
        "best_achievable": best,
        "feature_importance_gain": {
            n: float(g) for n, g in zip(FEATURE_NAMES, gain.tolist(), strict=True)
        },
    }


def evaluate(
    probabilities: FloatArray, raw: FloatArray, labels: npt.NDArray[np.int8]
) -> dict[str, Any]:
    reliability = metrics.reliability_curve(probabilities, labels)
    return {
        "rows": len(labels),
        "positives": int(labels.sum()),
        "roc_auc": metrics.roc_auc(probabilities, labels),
        "roc_auc_uncalibrated": metrics.roc_auc(raw, labels),
        "pr_auc": metrics.average_precision(probabilities, labels),
        "brier": metrics.brier(probabilities, labels),
        "brier_uncalibrated": metrics.brier(raw, labels),
        "reliability": {
            "mean_predicted": reliability.mean_predicted.tolist(),
            "observed_rate": reliability.observed_rate.tolist(),
            "count": reliability.count.tolist(),
        },
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
