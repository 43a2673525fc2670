"""Training on a dask cluster (``python -m models train ... --dask-scheduler ADDRESS``).

Only the boosting step moves to the cluster (``lightgbm.dask``, data-parallel); features,
calibration, bands and evaluation are the same code as single-machine training.

Early stopping is done after the fact: in distributed LightGBM each worker evaluates only
the validation rows it holds, so stopping rounds could disagree between workers. Instead
the cluster trains ``max_rounds`` (capped at ``MAX_DASK_ROUNDS``) and the model is trimmed
to the round with the best validation AUC, computed here on the whole validation split.
Unlike local training this is not byte-for-byte reproducible: rows are partitioned across
workers, and LightGBM records the cluster's addresses in the model's parameters. The
metadata's ``training.trained_on`` records the scheduler and the number of workers.

``connect`` fails within ``timeout`` seconds with ``ClusterUnavailable`` (one line, no
traceback in the CLI) when the scheduler cannot be reached or has no worker; distributed's
own default would wait 30 s and raise ``OSError``.
"""

from __future__ import annotations

import contextlib
import math
import sys
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from models.returns import metrics
from models.returns.dataset import ReturnsDataset
from models.returns.train import Progress, Split, TrainConfig, TrainResult, train
from services.returns_decision.engines.risk.features import CATEGORICAL_FEATURES, FEATURE_NAMES

if TYPE_CHECKING:
    from distributed import Client

MAX_DASK_ROUNDS: Final = 400
DEFAULT_CONNECT_TIMEOUT: Final = 10.0  # seconds; `--dask-timeout`


class ClusterUnavailable(Exception):
    """The dask scheduler cannot be reached, or no worker joined it in time."""


@contextlib.contextmanager
def connect(scheduler: str, *, timeout: float = DEFAULT_CONNECT_TIMEOUT) -> Iterator[Client]:
    """A client of the scheduler at ``scheduler`` with at least one worker, or
    ``ClusterUnavailable`` after at most about ``timeout`` seconds (twice, with no worker)."""
    from distributed import Client

    try:
        client = Client(scheduler, timeout=timeout)  # type: ignore[no-untyped-call]
    except ValueError as exc:  # a malformed address, e.g. an unknown scheme
        raise ClusterUnavailable(f"dask scheduler address {scheduler!r}: {exc}") from None
    except OSError:  # distributed reports a connect timeout as OSError
        raise ClusterUnavailable(
            f"no dask scheduler answered at {scheduler} within {timeout:g} s: is `dask "
            "scheduler` running there and reachable from this machine (address tcp://HOST:8786 "
            "by default)? --dask-timeout sets the wait"
        ) from None
    with client:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except TimeoutError:
            raise ClusterUnavailable(
                f"the dask scheduler at {scheduler} has no worker after {timeout:g} s: start "
                f"one with `dask worker {scheduler}`"
            ) from None
        yield client


def trained_on_dask(scheduler: str, workers: int) -> dict[str, Any]:
    """The metadata's ``training.trained_on`` for a model boosted on a dask cluster."""
    return {"mode": "dask", "scheduler": scheduler, "workers": workers}


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
    client: Client,
    progress: Progress = lambda _: None,
) -> TrainResult:
    """``train`` with the boosting step on the cluster behind ``client`` (see ``connect``)."""
    import dask.array as da
    from lightgbm.dask import DaskLGBMClassifier

    info = client.scheduler_info(n_workers=-1)  # every worker (some versions list only 5)
    scheduler, workers = str(info["address"]), max(1, len(info["workers"]))

    def boost(
        train_split: Split,
        valid_split: Split,
        params: dict[str, Any],
        cfg: TrainConfig,
        report: Progress,
    ) -> tuple[str, int]:
        rounds = min(cfg.max_rounds, MAX_DASK_ROUNDS)
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
        # lightgbm.dask prints progress ("Finding random open ports ...") to stdout, where
        # the CLI prints only the new version (scripts capture it): send it to stderr.
        with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr):
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

    return train(
        data,
        config,
        name=name,
        progress=progress,
        boost=boost,
        trained_on=trained_on_dask(scheduler, workers),
    )
