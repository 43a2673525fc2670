"""`python -m models.triage` and the triage registry: train registers (and promotes the
first version), register, list, show, promote, rollback, and the errors of bad names and
versions; an older build's artifact directory is registered by `train --if-missing`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import models.triage.__main__ as cli
from models.triage.__main__ import main
from services.common.model_registry import has_active, read_pointer, version_dir
from services.triage.engines.artifacts import read_manifest
from services.triage.engines.registry import INTENT_MODEL, SENTIMENT_MODEL

Capture = pytest.CaptureFixture[str]


def _versions(out: str) -> dict[str, str]:
    """`name version` lines printed by train and register."""
    return dict(line.split() for line in out.strip().splitlines())


def _manifest_versions(model_dir: Path) -> dict[str, str]:
    entries = read_manifest(model_dir)
    return {SENTIMENT_MODEL: entries["sentiment"].version, INTENT_MODEL: entries["intent"].version}


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A registry that `train` (tiny models, no evaluation) built from nothing."""
    root = tmp_path_factory.mktemp("registry")
    code = main(["--registry", str(root), "train", "--max-examples-per-class", "10", "--no-eval"])
    assert code == 0
    versions = {name: read_pointer(root, name).version for name in (SENTIMENT_MODEL, INTENT_MODEL)}
    return root, versions


def test_train_registers_and_promotes_the_first_version(
    trained: tuple[Path, dict[str, str]],
) -> None:
    root, versions = trained
    for name, version in versions.items():
        directory = version_dir(root, name, version)
        assert sorted(p.name for p in directory.iterdir()) == ["metadata.json", "model.joblib"]
        meta = json.loads((directory / "metadata.json").read_text())
        assert meta["name"] == name
        assert meta["version"] == version
        assert meta["training"]["max_examples_per_class"] == 10
        assert meta["training"]["manifest"]["data_fingerprint"]
        assert meta["training"]["trained_at"]
        assert meta["evaluation"] is None  # --no-eval
    # Nothing of the build is left next to the versions.
    assert sorted(p.name for p in root.iterdir()) == [INTENT_MODEL, SENTIMENT_MODEL]


def test_register_promote_list_show_rollback(
    trained: tuple[Path, dict[str, str]],
    triage_model_dir: Path,
    tmp_path: Path,
    capsys: Capture,
) -> None:
    root = tmp_path / "registry"
    shutil.copytree(trained[0], root)
    first = trained[1]
    reg = ["--registry", str(root)]

    # A second set, registered but not promoted (active versions exist).
    assert main([*reg, "register", str(triage_model_dir)]) == 0
    second = _versions(capsys.readouterr().out)
    assert second == _manifest_versions(triage_model_dir)
    assert second != first
    assert {n: read_pointer(root, n).version for n in second} == first
    # Registering the same content again is a no-op with the same versions.
    assert main([*reg, "register", str(triage_model_dir)]) == 0
    assert _versions(capsys.readouterr().out) == second

    assert main([*reg, "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 4
    for name in (SENTIMENT_MODEL, INTENT_MODEL):
        assert any(line.startswith(f"* {name}") and first[name] in line for line in listed)
        assert any(line.startswith(f"  {name}") and second[name] in line for line in listed)

    assert main([*reg, "promote", "intent", second[INTENT_MODEL]]) == 0
    assert capsys.readouterr().out == f"{INTENT_MODEL}: active {second[INTENT_MODEL]}\n"
    assert main([*reg, "promote", SENTIMENT_MODEL, second[SENTIMENT_MODEL]]) == 0
    capsys.readouterr()

    assert main([*reg, "show", "intent"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["version"] == second[INTENT_MODEL]
    assert shown["active"] is True
    assert shown["history"] == [first[INTENT_MODEL]]
    assert shown["training"]["imported_from"] == str(triage_model_dir)
    assert main([*reg, "show", "intent", first[INTENT_MODEL]]) == 0
    assert json.loads(capsys.readouterr().out)["active"] is False

    assert main([*reg, "rollback", "intent"]) == 0
    assert capsys.readouterr().out == f"{INTENT_MODEL}: active {first[INTENT_MODEL]}\n"
    assert read_pointer(root, INTENT_MODEL).version == first[INTENT_MODEL]
    assert read_pointer(root, SENTIMENT_MODEL).version == second[SENTIMENT_MODEL]
    assert main([*reg, "rollback", "intent"]) == 2
    assert "no earlier version to roll back to" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["promote", "intent", "4.000000000000"], "has no version '4.000000000000'"),
        (["promote", "intent", "../x"], "invalid model version '../x'"),
        (["promote", "fraud", "v1"], "no triage model 'fraud'"),
        (["show", "sentiment", "nope"], "has no version 'nope'"),
        (["rollback", "triage_other"], "no triage model 'triage_other'"),
    ],
)
def test_bad_names_and_versions(
    trained: tuple[Path, dict[str, str]], args: list[str], error: str, capsys: Capture
) -> None:
    assert main(["--registry", str(trained[0]), *args]) == 2
    assert error in capsys.readouterr().err


def test_a_version_that_does_not_load_is_not_promoted(
    trained: tuple[Path, dict[str, str]], tmp_path: Path, capsys: Capture
) -> None:
    root = tmp_path / "registry"
    shutil.copytree(trained[0], root)
    active = trained[1][INTENT_MODEL]
    other = version_dir(root, INTENT_MODEL, "4.111111111111")
    shutil.copytree(version_dir(root, INTENT_MODEL, active), other)
    meta = json.loads((other / "metadata.json").read_text())
    (other / "metadata.json").write_text(json.dumps({**meta, "sklearn_version": "0.1"}))
    assert main(["--registry", str(root), "promote", "intent", other.name]) == 2
    assert "built with scikit-learn 0.1" in capsys.readouterr().err
    assert read_pointer(root, INTENT_MODEL).version == active


def test_empty_registry(tmp_path: Path, capsys: Capture) -> None:
    assert main(["--registry", str(tmp_path), "list"]) == 0
    assert capsys.readouterr().out == f"no triage models under {tmp_path}\n"
    assert main(["--registry", str(tmp_path), "show", "intent"]) == 2
    assert "has no active version" in capsys.readouterr().err


def test_if_missing_registers_an_older_builds_directory(
    triage_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    # Where older builds wrote their artifacts (var/models/triage): a copy of the session's.
    legacy = tmp_path / "legacy"
    shutil.copytree(triage_model_dir, legacy)
    monkeypatch.setattr(cli, "DEFAULT_MODEL_DIR", legacy)
    root = tmp_path / "registry"
    assert main(["--registry", str(root), "train", "--if-missing"]) == 0
    assert _versions(capsys.readouterr().out) == _manifest_versions(legacy)
    assert all(has_active(root, n) for n in (SENTIMENT_MODEL, INTENT_MODEL))
    # Active versions exist now: nothing to do (and no training).
    assert main(["--registry", str(root), "train", "--if-missing"]) == 0
    assert "nothing to build" in capsys.readouterr().out


def test_if_missing_retrains_when_the_older_build_cannot_serve(
    triage_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    # An older build whose intent model the service would refuse (here: its bytes no
    # longer match the manifest; in the field, a model of an older layout).
    legacy = tmp_path / "legacy"
    shutil.copytree(triage_model_dir, legacy)
    (legacy / "intent.joblib").write_bytes(b"not the model the manifest names")
    monkeypatch.setattr(cli, "DEFAULT_MODEL_DIR", legacy)
    root = tmp_path / "registry"
    argv = ["--registry", str(root), "train", "--if-missing", "--no-eval"]
    assert main([*argv, "--max-examples-per-class", "20"]) == 0
    captured = capsys.readouterr()
    assert "not registering the older build" in captured.err
    assert all(has_active(root, n) for n in (SENTIMENT_MODEL, INTENT_MODEL))
    assert _versions(captured.out) != _manifest_versions(legacy)
