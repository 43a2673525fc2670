"""Training on a dask cluster (``python -m models train ... --dask-scheduler ADDRESS``).

Only the boosting step moves to the cluster (``lightgbm.dask``, data-parallel); features,
calibration, bands and evaluation are the same code as single-machine training.

Early stopping is done after the fact: in distributed LightGBM each worker evaluates only
the validation rows it holds, so stopping rounds could disagree between workers. Instead
the cluster trains ``max_rounds`` (capped at ``MAX_DASK_ROUNDS``) and the model is trimmed
to the round with the best validation AUC, computed here on the whole validation split.
Unlike local training this is not byte-for-byte reproducible: rows are partitioned across
workers, and LightGBM records the cluster's addresses in the model's parameters.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Final

import numpy as np

from models.returns import metrics
from models.returns.dataset import ReturnsDataset
from models.returns.train import Progress, Split, TrainConfig, TrainResult, train
from services.returns_decision.engines.risk.features import CATEGORICAL_FEATURES, FEATURE_NAMES

MAX_DASK_ROUNDS: Final = 400


def _best_round(booster: Any, valid: Split, rounds: int) -> tuple[int, float]:
    """Round whose prefix of trees gives the best validation AUC (earliest on ties)."""
    raw = np.zeros(len(valid.labels))
    best, best_auc = 1, -1.0
    for i in range(rounds):
        raw += booster.predict(valid.features, start_iteration=i, num_iteration=1, raw_score=True)
        auc = metrics.roc_auc(raw, valid.labels)
        if auc > best_auc + 1e-12:
            best, best_auc = i + 1, auc
    return best, best_auc


def train_on_dask(
    data: ReturnsDataset,
    config: TrainConfig,
    *,
    name: str,
    scheduler: str,
    progress: Progress = lambda _: None,
) -> TrainResult:
    import dask.array as da
    from distributed import Client
    from lightgbm.dask import DaskLGBMClassifier

    def boost(
        train_split: Split,
        valid_split: Split,
        params: dict[str, Any],
        cfg: TrainConfig,
        report: Progress,
    ) -> tuple[str, int]:
        rounds = min(cfg.max_rounds, MAX_DASK_ROUNDS)
        with Client(scheduler) as client:  # type: ignore[no-untyped-call]
            workers = max(1, len(client.scheduler_info()["workers"]))
            report(f"  dask: {workers} worker(s) at {scheduler}, {rounds} rounds")
            rows = len(train_split.labels)
            chunk = math.ceil(rows / workers)
            x = da.from_array(  # type: ignore[no-untyped-call]
                train_split.features, chunks=(chunk, train_split.features.shape[1])
            )
            y = da.from_array(train_split.labels.astype(np.float64), chunks=chunk)  # type: ignore[no-untyped-call]
            # lightgbm.dask sets threads per worker itself and warns about num_threads.
            local = {k: v for k, v in params.items() if k not in ("metric", "num_threads")}
            model = DaskLGBMClassifier(client=client, n_estimators=rounds, **local)
            with warnings.catch_warnings():
                # lightgbm 4.7's dask wrapper always passes n_jobs and then warns that it
                # ignores it (threads come from the dask workers): nothing to act on.
                warnings.filterwarnings("ignore", "Parameter n_jobs will be ignored")
                model.fit(
                    x,
                    y,
                    feature_name=list(FEATURE_NAMES),
                    categorical_feature=list(CATEGORICAL_FEATURES),
                )
            booster = model.booster_
        best, auc = _best_round(booster, valid_split, rounds)
        report(f"  best round {best} (valid auc {auc:.4f})")
        return booster.model_to_string(num_iteration=best), best

    return train(data, config, name=name, progress=progress, boost=boost)
