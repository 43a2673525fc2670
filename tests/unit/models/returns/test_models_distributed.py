"""Training on a dask LocalCluster matches single-machine training."""

from __future__ import annotations

import pytest

from models.returns import dataset
from models.returns.train import TrainConfig, train


@pytest.mark.slow
def test_dask_auc_close_to_local() -> None:
    distributed = pytest.importorskip("distributed")
    from models.returns.distributed import train_on_dask

    data = dataset.from_synthetic(30_000, seed=5)
    config = TrainConfig(task="fraud", seed=5)
    local = train(data, config, name="returns_fraud")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = train_on_dask(
            data, config, name="returns_fraud", scheduler=cluster.scheduler_address
        )
    local_auc = local.metadata.training["test_metrics"]["roc_auc"]
    remote_auc = remote.metadata.training["test_metrics"]["roc_auc"]
    assert abs(local_auc - remote_auc) <= 0.01
    assert remote.metadata.name == "returns_fraud"
    assert remote.booster.feature_name() == local.booster.feature_name()
