"""The MLServer peer bench's pieces that need no MLServer: its settings, the stamp that
decides when its venv is reinstalled, the export of the active fraud model, the row it
sends and the report. Installing and running MLServer is `python -m bench.mlserver_peer`'s
part (it needs the network the first time)."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import lightgbm
import numpy as np
import pytest

from bench import mlserver_peer as peer
from bench.grpc_load import Latency
from bench.returns_samples import request
from services.returns_decision import converters
from services.returns_decision.engines.risk.features import FEATURE_NAMES, build_features
from services.returns_decision.engines.risk.model import WARM_UP_INPUT
from services.returns_decision.engines.risk.registry import active_version_dir, read_pointer
from services.returns_decision.engines.risk.scorer import FRAUD_MODEL, ReturnRiskScorer


def test_the_requirements_pin_mlserver_its_lightgbm_runtime_and_the_project_lightgbm() -> None:
    pins = dict(
        line.split("#", 1)[0].strip().split("==", 1)
        for line in peer.REQUIREMENTS.read_text().splitlines()
        if line.split("#", 1)[0].strip()
    )
    assert pins["mlserver"] == peer.MLSERVER_VERSION
    assert pins["mlserver-lightgbm"] == peer.MLSERVER_VERSION
    assert pins["lightgbm"] == lightgbm.__version__  # both sides score with one library


def test_model_settings_point_the_lightgbm_runtime_at_the_exported_file(tmp_path: Path) -> None:
    model = peer.ExportedModel("returns_fraud", "v123", tmp_path / "export" / "model.bst")
    path = peer.write_model_settings(tmp_path / "repo", model)
    assert path == tmp_path / "repo" / "returns_fraud" / "model-settings.json"
    assert json.loads(path.read_text()) == {
        "name": "returns_fraud",
        "implementation": "mlserver_lightgbm.LightGBMModel",
        "parameters": {"uri": str(model.path.resolve()), "version": "v123"},
    }


def test_server_settings_bind_loopback_on_the_given_ports(tmp_path: Path) -> None:
    repository = tmp_path / "repo"
    path = peer.write_server_settings(repository, peer.Ports(5001, 5002, 5003), 0)
    settings = json.loads(path.read_text())
    assert path == repository / "settings.json"
    assert settings["host"] == "127.0.0.1"
    assert (settings["grpc_port"], settings["http_port"], settings["metrics_port"]) == (
        5001,
        5002,
        5003,
    )
    assert settings["parallel_workers"] == 0
    assert settings["debug"] is False  # no access-log line per call
    assert settings["model_repository_root"] == str(repository)
    assert Path(settings["metrics_dir"]).parent == repository


def test_free_ports_are_distinct_and_free() -> None:
    ports = peer.free_ports(3)
    assert len(set(ports)) == 3
    for port in ports:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def _fake_install(calls: list[list[str]]) -> peer.Runner:
    """Records the commands and makes what `python -m venv` and pip would."""

    def run(argv: list[str]) -> None:
        calls.append(argv)
        if argv[1:3] == ["-m", "venv"]:
            (Path(argv[3]) / "bin").mkdir(parents=True)
        else:
            (Path(argv[0]).parent / "mlserver").write_text("#!/bin/sh\n")

    return run


def test_the_venv_is_installed_once_then_again_only_when_the_requirements_change(
    tmp_path: Path,
) -> None:
    venv, requirements = tmp_path / "venv", tmp_path / "requirements.txt"
    requirements.write_text("mlserver==1.7.1\n")
    calls: list[list[str]] = []
    assert peer.needs_install(venv, requirements)
    assert peer.ensure_venv(venv, requirements, _fake_install(calls)) == venv
    assert [argv[1:3] for argv in calls] == [["-m", "venv"], ["-m", "pip"]]
    assert calls[1][-2:] == ["--requirement", str(requirements)]
    assert not peer.needs_install(venv, requirements)
    peer.ensure_venv(venv, requirements, _fake_install(calls))
    assert len(calls) == 2  # stamped: nothing to do
    (venv / "leftover").write_text("from the older pin")
    requirements.write_text("mlserver==1.7.1\nuvloop==0.21.0\n")
    assert peer.needs_install(venv, requirements)
    peer.ensure_venv(venv, requirements, _fake_install(calls))
    assert len(calls) == 4
    assert not (venv / "leftover").exists()  # reinstalled from scratch
    assert not peer.needs_install(venv, requirements)


def test_a_failed_install_leaves_no_stamp_and_says_why(tmp_path: Path) -> None:
    venv, requirements = tmp_path / "venv", tmp_path / "requirements.txt"
    requirements.write_text("mlserver==1.7.1\n")
    message = "ERROR: No matching distribution found for mlserver==1.7.1"
    failing = [
        sys.executable,
        "-c",
        f"import sys; sys.exit(print({message!r}, file=sys.stderr) or 1)",
    ]
    with pytest.raises(peer.PeerSkipped, match=message):
        peer._run_quietly(failing)

    def run(argv: list[str]) -> None:
        if argv[1:3] == ["-m", "pip"]:
            peer._run_quietly(failing)
        (venv / "bin").mkdir(parents=True, exist_ok=True)

    with pytest.raises(peer.PeerSkipped, match=message):
        peer.ensure_venv(venv, requirements, run)
    assert not (venv / peer.STAMP).exists()
    assert peer.needs_install(venv, requirements)


def test_run_prints_one_line_and_goes_on_when_mlserver_cannot_be_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_network() -> Path:
        raise peer.PeerSkipped("`python -m pip install` failed: network unreachable")

    monkeypatch.setattr(peer, "ensure_venv", no_network)
    assert peer.run(quick=True) == [
        "returns vs MLServer 1.7.1: peer skipped, `python -m pip install` failed: "
        "network unreachable"
    ]


def test_an_mlserver_that_exits_is_reported_with_its_last_words(tmp_path: Path) -> None:
    venv, repository = tmp_path / "venv", tmp_path / "repo"
    (venv / "bin").mkdir(parents=True)
    fake = venv / "bin" / "mlserver"
    fake.write_text("#!/bin/sh\necho 'starting'\necho 'ValidationError: grpc_port' >&2\nexit 3\n")
    fake.chmod(0o755)
    peer.write_server_settings(repository, peer.Ports(*peer.free_ports(3)), 0)
    with (
        pytest.raises(peer.PeerSkipped, match=r"exited \(3\): starting \| ValidationError"),
        peer.mlserver(venv, repository, "returns_fraud", timeout=30),
    ):
        pass


def test_the_export_is_the_active_model_and_predicts_as_the_registry(
    returns_model_registry: Path, tmp_path: Path
) -> None:
    exported = peer.export_active_model(returns_model_registry, tmp_path / "export")
    active = active_version_dir(returns_model_registry, FRAUD_MODEL)
    assert exported.name == FRAUD_MODEL
    assert exported.version == read_pointer(returns_model_registry, FRAUD_MODEL).version
    assert exported.path.name == "model.bst"  # mlserver_lightgbm's well-known name
    assert exported.path.read_bytes() == (active / "model.txt").read_bytes()
    booster = lightgbm.Booster(model_file=str(exported.path))
    registry = lightgbm.Booster(model_file=str(active / "model.txt"))
    rows = np.asarray([peer.fraud_row(), build_features(WARM_UP_INPUT)], dtype=np.float64)
    exported_scores = np.asarray(booster.predict(rows, num_threads=1))
    assert exported_scores.tolist() == np.asarray(registry.predict(rows, num_threads=1)).tolist()
    expected = peer.project_probability(returns_model_registry, peer.fraud_row())
    assert abs(float(exported_scores[0]) - expected) <= 1e-12


def test_the_row_is_the_one_the_service_scores(returns_model_registry: Path) -> None:
    row = peer.fraud_row()
    assert len(row) == len(FEATURE_NAMES)
    domain = converters.return_request(request())
    assert domain.requested_at is not None
    scorer = ReturnRiskScorer(returns_model_registry)
    scorer.load()
    (assessment,) = scorer.assess_items(domain, domain.requested_at, top_k=0)
    assert assessment.fraud.raw_probability == peer.project_probability(returns_model_registry, row)


def _latency(p50: float) -> Latency:
    return Latency(p50, p50 * 1.2, p50 * 2, 1000)


def test_the_report_compares_against_the_better_mlserver_configuration() -> None:
    latencies = {
        "DecideReturn": _latency(1.0),
        "empty call": _latency(0.5),
        "ModelInfer, parallel_workers=0": _latency(1.25),
        "ModelInfer, parallel_workers=1": _latency(2.0),
    }
    figures = peer.Figures(
        model=peer.ExportedModel("returns_fraud", "v1", Path("model.bst")),
        expected=0.25,
        answers={"ModelInfer, parallel_workers=0": 0.25, "ModelInfer, parallel_workers=1": 0.25},
        python=latencies,
        native=None,
        rates={
            "DecideReturn": 1500.0,
            "empty call": 2000.0,
            "ModelInfer, parallel_workers=0": 500.0,
            "ModelInfer, parallel_workers=1": 1200.0,
        },
        rounds=5,
        seconds=1.5,
        throughput_rounds=2,
    )
    lines = peer.report(figures)
    headline = lines.index("returns vs MLServer 1.7.1 (fraud model alone, same client, same run):")
    assert lines[headline + 1 :] == [
        "  serial p50 (Python client): DecideReturn 1.000 ms, ModelInfer 1.250 ms "
        "(parallel_workers=0) -> 0.80x (target <= 1.0x): met",
        "  32 in flight: DecideReturn 1,500/s, ModelInfer 1,200/s (parallel_workers=1) "
        "-> 1.25x (target >= 1.5x): not met",
        "  ceiling: the empty call on the same runtime 2,000/s -> 1.67x ModelInfer; "
        "DecideReturn 0.75x it",
        "  DecideReturn p50 / empty call p50 on the same runtime (Python client) -> 2.00x "
        "(target <= 1.3x): not met",
    ]
    assert any("native client: " in line and "not built" in line for line in lines[:headline])
