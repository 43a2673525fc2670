"""Training runs logged to MLflow (a SQLite store in a temporary directory), and not
imported at all when tracking is off."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.returns.cli import main
from models.returns.tracking import DEFAULT_URI, TRACKING_ENV, tracking_uri
from services.common.paths import REPO_ROOT

# mlflow's SQLAlchemy store uses a loader strategy SQLAlchemy 2.1 deprecates.
pytestmark = pytest.mark.filterwarnings(
    "ignore:The ``noload`` loader strategy is deprecated:DeprecationWarning"
)


def test_training_run_is_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow' / 'mlflow.db'}"
    monkeypatch.setenv(TRACKING_ENV, uri)
    monkeypatch.chdir(tmp_path)  # nothing may land in ./mlruns
    registry = tmp_path / "registry"
    code = main(["--registry", str(registry), "train", "fraud", "--rows", "6000", "--seed", "3"])
    out, err = capsys.readouterr()
    assert code == 0
    version = out.strip()
    assert f"logged to MLflow at {uri}: run " in err
    metadata = json.loads((registry / "returns_fraud" / version / "metadata.json").read_text())

    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("returns_fraud")
    assert experiment is not None
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.run_name == version
    assert run.info.status == "FINISHED"
    params, metrics, tags = run.data.params, run.data.metrics, run.data.tags
    assert params["data_fingerprint"] == metadata["training"]["data_fingerprint"]
    assert params["data_source"] == "synthetic(rows=6000, seed=3)"
    assert params["lightgbm.num_leaves"] == "8"
    assert params["rows.test"] == "900"
    assert metrics["test_roc_auc"] == metadata["training"]["test_metrics"]["roc_auc"]
    assert metrics["test_high_precision"] == pytest.approx(
        metadata["training"]["test_metrics"]["bands"]["HIGH"]["precision"]
    )
    assert metrics["training_seconds"] > 0
    assert tags["model.version"] == version
    assert tags["data.fingerprint"] == params["data_fingerprint"]
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"model.txt", "metadata.json", "model_card.md", "model_card.json", "plots"} <= artifacts
    plots = {a.path for a in client.list_artifacts(run.info.run_id, "plots")}
    assert "plots/roc.png" in plots
    assert "plots/reliability.png" in plots
    assert not (tmp_path / "mlruns").exists()
    assert (tmp_path / "mlflow" / "artifacts" / "returns_fraud").is_dir()


def test_tracking_uri_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TRACKING_ENV, raising=False)
    assert tracking_uri(None) is None
    assert tracking_uri("") == DEFAULT_URI
    assert DEFAULT_URI.endswith("var/mlflow/mlflow.db")
    assert tracking_uri("sqlite:///x.db") == "sqlite:///x.db"
    monkeypatch.setenv(TRACKING_ENV, "http://mlflow:5000")
    assert tracking_uri(None) == "http://mlflow:5000"
    assert tracking_uri("") == "http://mlflow:5000"
    assert tracking_uri("sqlite:///x.db") == "sqlite:///x.db"


def test_training_without_tracking_never_imports_mlflow(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from models.returns.cli import main\n"
        f"assert main(['--registry', {str(tmp_path)!r}, 'train', 'fraud', '--rows', '6000',"
        " '--seed', '3', '--no-report', '--promote']) == 0\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'mlflow'"
        " or m == 'models.returns.tracking')\n"
        "assert not loaded, loaded\n"
    )
    env = {k: v for k, v in os.environ.items() if k != TRACKING_ENV}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_a_store_that_cannot_be_written_warns_and_training_still_registers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    uri = f"sqlite:///{blocker / 'mlflow.db'}"
    registry = tmp_path / "registry"
    argv = ["--registry", str(registry), "train", "fraud", "--rows", "6000", "--seed", "3"]
    code = main([*argv, "--no-report", "--mlflow", uri])
    out, err = capsys.readouterr()
    assert code == 0
    assert f"warning: not logged to MLflow at {uri}: " in err
    assert (registry / "returns_fraud" / out.strip() / "model.txt").is_file()
