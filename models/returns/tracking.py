"""Training runs logged to MLflow: parameters, metrics, the report's plots and card.

Imported only when tracking is on (``--mlflow`` or ``$MLFLOW_TRACKING_URI``), so training
without it never imports mlflow. One experiment per model name, one run per training,
named after the version it registered. The registry stays the source of truth for what
serves; MLflow is the lab notebook next to it.

The default store is a SQLite file in the repo, ``sqlite:///var/mlflow/mlflow.db``
(git-ignored); a SQLite store keeps artifacts beside it in ``var/mlflow/artifacts``
rather than in ``./mlruns`` of wherever the command ran.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from models.returns.train import TrainResult
from services.common.paths import VAR_DIR
from services.returns_decision.engines.risk.artifact import MODEL_FILE

TRACKING_ENV: Final = "MLFLOW_TRACKING_URI"
DEFAULT_STORE: Final = VAR_DIR / "mlflow" / "mlflow.db"
DEFAULT_URI: Final = f"sqlite:///{DEFAULT_STORE}"
_SQLITE: Final = "sqlite:///"
_MAX_PARAM: Final = 500  # MLflow truncates nothing: longer values are refused


def tracking_uri(flag: str | None) -> str | None:
    """Where to log: ``--mlflow URI``, else ``--mlflow`` alone -> $MLFLOW_TRACKING_URI or
    the default store; no flag -> $MLFLOW_TRACKING_URI, or None (no tracking).

    ``flag`` is None without ``--mlflow``, "" for a bare ``--mlflow``.
    """
    env = os.environ.get(TRACKING_ENV) or None
    if flag is None:
        return env
    return flag or env or DEFAULT_URI


def _artifact_location(uri: str, experiment: str) -> str | None:
    """Beside a SQLite file; elsewhere the store (file) or server decides."""
    if not uri.startswith(_SQLITE):
        return None
    database = Path(uri[len(_SQLITE) :])
    return (database.parent / "artifacts" / experiment).resolve().as_uri()


def _experiment(client: MlflowClient, uri: str, name: str) -> str:
    found = client.get_experiment_by_name(name)
    if found is not None:
        return str(found.experiment_id)
    if uri.startswith(_SQLITE):
        Path(uri[len(_SQLITE) :]).parent.mkdir(parents=True, exist_ok=True)
    return str(client.create_experiment(name, artifact_location=_artifact_location(uri, name)))


def _flatten(prefix: str, value: Any, out: dict[str, str]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), item, out)
    else:
        out[prefix] = str(value)[:_MAX_PARAM]


def run_params(result: TrainResult) -> dict[str, str]:
    training = result.metadata.training
    params: dict[str, str] = {}
    _flatten("lightgbm", training["params"], params)
    _flatten("config", {k: v for k, v in training["config"].items() if k != "task"}, params)
    params.update(
        task=result.metadata.task,
        calibration=str(result.metadata.calibration.get("method")),
        data_source=str(training["data_source"])[:_MAX_PARAM],
        data_fingerprint=str(training["data_fingerprint"]),
        best_iteration=str(training["best_iteration"]),
    )
    for split, info in training["splits"].items():
        params[f"rows.{split}"] = str(info["rows"])
        params[f"positives.{split}"] = str(info["positives"])
    return params


def run_metrics(result: TrainResult, trained_seconds: float) -> dict[str, float]:
    training = result.metadata.training
    test = training["test_metrics"]
    values: dict[str, float] = {
        f"test_{key}": float(test[key])
        for key in ("roc_auc", "roc_auc_uncalibrated", "pr_auc", "brier", "brier_uncalibrated")
    }
    for band, row in test["bands"].items():
        for key in ("precision", "recall", "flagged"):
            if row[key] is not None:
                values[f"test_{band.lower()}_{key}"] = float(row[key])
    best = training.get("best_achievable") or {}
    values.update({f"best_achievable_{k}": float(v) for k, v in best.items()})
    values["best_iteration"] = float(training["best_iteration"])
    values["training_seconds"] = float(trained_seconds)
    return values


class TrackingError(RuntimeError):
    """The run could not be logged (store unreachable, refused, not writable)."""


def log_training_run(
    uri: str, result: TrainResult, directory: Path, *, trained_seconds: float
) -> str:
    """Logs one training run; returns its run id. ``directory`` is the registered version
    (artifact, model card and plots are copied from it)."""
    try:
        return _log(uri, result, directory, trained_seconds)
    except (MlflowException, OSError) as exc:
        raise TrackingError(str(exc).splitlines()[0] if str(exc) else repr(exc)) from exc


def _log(uri: str, result: TrainResult, directory: Path, trained_seconds: float) -> str:
    meta = result.metadata
    client = MlflowClient(tracking_uri=uri)
    experiment = _experiment(client, uri, meta.name)
    run = client.create_run(
        experiment,
        run_name=meta.version,
        tags={
            "model.name": meta.name,
            "model.version": meta.version,
            "model.task": meta.task,
            "data.fingerprint": str(meta.training["data_fingerprint"]),
            "schema.fingerprint": meta.schema_fingerprint,
            "registry.path": str(directory),
            "trained_on": str(meta.training.get("trained_on", {}).get("mode")),
        },
    )
    run_id = str(run.info.run_id)
    try:
        now = int(time.time() * 1000)
        params = [mlflow.entities.Param(k, v) for k, v in sorted(run_params(result).items())]
        metrics = [
            mlflow.entities.Metric(k, v, now, 0)
            for k, v in sorted(run_metrics(result, trained_seconds).items())
        ]
        client.log_batch(run_id, metrics=metrics, params=params)
        for name in (MODEL_FILE, "metadata.json", "model_card.md", "model_card.json"):
            if (directory / name).is_file():
                client.log_artifact(run_id, str(directory / name))
        if (directory / "plots").is_dir():
            client.log_artifacts(run_id, str(directory / "plots"), artifact_path="plots")
    except BaseException:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id, status="FINISHED")
    return run_id
