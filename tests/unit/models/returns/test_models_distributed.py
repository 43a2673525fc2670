"""Training on a dask cluster: connecting, failing fast, and what the model records."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from models.returns import dataset
from models.returns.cli import main
from models.returns.table_io import write_table
from models.returns.train import TrainConfig, train

distributed = pytest.importorskip("distributed")

from models.returns.distributed import (  # noqa: E402 - only with distributed installed
    ClusterUnavailable,
    connect,
    train_on_dask,
    trained_on_dask,
)


@pytest.mark.slow
def test_dask_auc_close_to_local() -> None:
    data = dataset.from_synthetic(30_000, seed=5)
    config = TrainConfig(task="fraud", seed=5)
    local = train(data, config, name="returns_fraud")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        connect(cluster.scheduler_address) as client,
    ):
        remote = train_on_dask(data, config, name="returns_fraud", client=client)
    local_auc = local.metadata.training["test_metrics"]["roc_auc"]
    remote_auc = remote.metadata.training["test_metrics"]["roc_auc"]
    assert abs(local_auc - remote_auc) <= 0.01
    assert remote.metadata.name == "returns_fraud"
    assert remote.booster.feature_name() == local.booster.feature_name()
    assert remote.metadata.training["trained_on"] == trained_on_dask(cluster.scheduler_address, 2)


def test_trained_on_record() -> None:
    assert trained_on_dask("tcp://10.0.0.5:8786", 3) == {
        "mode": "dask",
        "scheduler": "tcp://10.0.0.5:8786",
        "workers": 3,
    }


def test_a_scheduler_without_workers_is_refused_in_time() -> None:
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        with (
            pytest.raises(ClusterUnavailable) as caught,
            connect(address, timeout=1),
        ):
            pass
    assert str(caught.value) == (
        f"the dask scheduler at {address} has no worker after 1 s: start one with "
        f"`dask worker {address}`"
    )


def test_cli_on_a_cluster_records_it_in_metadata_and_card(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One in-process worker: seconds, and the same code path as a real cluster."""
    table = tmp_path / "returns.parquet"
    write_table(dataset.synthetic_columns(6000, 3), table)
    reg = tmp_path / "reg"
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        argv = ["--registry", str(reg), "train", "fraud", "--data", str(table)]
        code = main([*argv, "--dask-scheduler", address, "--dask-timeout", "5"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"dask: 1 worker(s) at {address}" in err
    assert re.fullmatch(r"v[0-9a-f]{12}\n", out), out  # lightgbm.dask's chatter goes to stderr
    version = out.strip()
    expected = {"mode": "dask", "scheduler": address, "workers": 1}
    assert main(["--registry", str(reg), "show", "fraud", version]) == 0
    assert json.loads(capsys.readouterr().out)["trained_on"] == expected
    directory = reg / "returns_fraud" / version
    assert json.loads((directory / "model_card.json").read_text())["trained_on"] == expected
    markdown = (directory / "model_card.md").read_text()
    assert f"boosting on a dask cluster (1 worker(s), scheduler `{address}`)" in markdown
