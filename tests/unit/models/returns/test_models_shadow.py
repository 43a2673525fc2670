"""The shadow mark in the registry: set and cleared atomically beside active.json, shown by
list and show, refused for the active version, cleared when its version is promoted, and
watched by the service's ShadowWatcher."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.returns import dataset
from models.returns.cli import main
from models.returns.registry import (
    RegistryError,
    list_versions,
    promote,
    read_promotions,
    register,
    set_shadow,
    show,
)
from models.returns.train import TrainConfig, train
from services.returns_decision.engines.risk.watcher import ShadowWatcher

NAME = "returns_fraud"


def shadow_of(watcher: ShadowWatcher) -> str | None:
    return watcher.version


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    root = tmp_path_factory.mktemp("registry")
    found = []
    for seed in (1, 2):
        config = TrainConfig(task="fraud", seed=seed, max_rounds=10, early_stopping_rounds=5)
        result = train(dataset.from_synthetic(5000, seed), config, name=NAME)
        register(root, result, write_report=False)
        found.append(result.metadata.version)
    promote(root, NAME, found[0], check=False)
    return root, found[0], found[1]


def test_shadow_set_shown_watched_and_cleared(
    versions: tuple[Path, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    root, active, challenger = versions
    watcher = ShadowWatcher(root, NAME)
    watcher.load()
    assert shadow_of(watcher) is None
    assert main(["--registry", str(root), "shadow", "fraud", challenger]) == 0
    assert json.loads((root / NAME / "shadow.json").read_text()) == {"version": challenger}
    assert show(root, NAME)["shadow_version"] == challenger
    assert {r.version: r.shadow for r in list_versions(root)} == {active: False, challenger: True}
    assert watcher.maybe_reload()
    assert shadow_of(watcher) == challenger
    assert not watcher.maybe_reload()  # nothing moved
    capsys.readouterr()
    assert main(["--registry", str(root), "list"]) == 0
    assert any(
        line.startswith("s ") and challenger in line
        for line in capsys.readouterr().out.splitlines()
    )
    assert main(["--registry", str(root), "shadow", "fraud", "--clear"]) == 0
    assert not (root / NAME / "shadow.json").exists()
    assert watcher.maybe_reload()
    assert shadow_of(watcher) is None
    actions = [e["action"] for e in read_promotions(root, NAME)]
    assert actions[-2:] == ["shadow", "clear_shadow"]
    # Neither a version nor --clear: a usage error.
    assert main(["--registry", str(root), "shadow", "fraud"]) == 2


def test_the_active_version_is_no_shadow_and_promotion_clears_the_mark(
    versions: tuple[Path, str, str],
) -> None:
    root, active, challenger = versions
    with pytest.raises(RegistryError, match="active version"):
        set_shadow(root, NAME, active)
    set_shadow(root, NAME, challenger)
    promote(root, NAME, challenger, check=False)
    assert show(root, NAME)["shadow_version"] is None
    assert read_promotions(root, NAME)[-1]["shadow_cleared"] is True
    promote(root, NAME, active, check=False)  # leave the module's registry as it was


def test_log_files_written_before_the_shadow_columns_read_them_as_null(tmp_path: Path) -> None:
    import datetime as dt

    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    from models.returns.decisions import ID_COLUMNS, read_log
    from services.returns_decision.engines.decision_log.schema import (
        DECISION_SCHEMA,
        partition_dir,
    )

    def part(name: str, columns: list[str], request_id: str) -> None:
        values: dict[str, object] = {
            "request_id": request_id,
            "tenant_id": "t",
            "line_item_id": "L1",
        }
        values |= {
            "decided_at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
            "fraud_shadow_version": "v1",
        }
        table = pa.table(
            {c: pa.array([values[c]], type=DECISION_SCHEMA.field(c).type) for c in columns}
        )
        directory = partition_dir(tmp_path, dt.date(2026, 12, 1))
        directory.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, directory / f"part-{name}.parquet")

    part("1", list(ID_COLUMNS), "old")  # decision-log/1: no shadow columns
    columns, _ = read_log(tmp_path, ID_COLUMNS, optional=["fraud_shadow_version"])
    assert columns["fraud_shadow_version"] == [None]
    part("2", [*ID_COLUMNS, "fraud_shadow_version"], "new")
    columns, _ = read_log(tmp_path, ID_COLUMNS, optional=["fraud_shadow_version"])
    found = dict(zip(columns["request_id"], columns["fraud_shadow_version"], strict=True))
    assert found == {"old": None, "new": "v1"}
