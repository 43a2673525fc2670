"""Hot swap on promotion; the old model keeps serving when the new one is refused."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from models.returns.registry import promote, rollback
from services.returns_decision.engines.risk.artifact import METADATA_FILE, MODEL_FILE
from services.returns_decision.engines.risk.errors import RiskModelError
from services.returns_decision.engines.risk.model import WARM_UP_INPUT, RiskModel
from services.returns_decision.engines.risk.registry import pointer_path, version_dir
from services.returns_decision.engines.risk.watcher import ModelWatcher

TrainInto = Callable[[Path, str, int], str]


def test_model_before_load_is_an_error(registry: Path) -> None:
    with pytest.raises(RiskModelError, match="not loaded"):
        _ = ModelWatcher(registry, "returns_fraud").model


def test_no_change_no_reload(registry: Path) -> None:
    watcher = ModelWatcher(registry, "returns_fraud")
    first = watcher.load()
    assert watcher.maybe_reload() is False
    assert watcher.model is first
    assert (watcher.checks, watcher.swaps, watcher.reload_failures) == (1, 0, 0)


def test_swap_on_promote_and_rollback(
    registry: Path, train_unpromoted: TrainInto, caplog: pytest.LogCaptureFixture
) -> None:
    watcher = ModelWatcher(registry, "returns_fraud")
    old = watcher.load().version
    new = train_unpromoted(registry, "fraud", 12)
    assert new != old
    assert watcher.maybe_reload() is False  # registered, not promoted

    promote(registry, "returns_fraud", new)
    with caplog.at_level(logging.INFO):
        assert watcher.maybe_reload() is True
    assert watcher.version == new
    assert watcher.swaps == 1
    assert any("swapped" in r.message for r in caplog.records)
    assert watcher.model.score(WARM_UP_INPUT).model_version == new

    rollback(registry, "returns_fraud")
    assert watcher.maybe_reload() is True
    assert (watcher.version, watcher.swaps, watcher.reload_failures) == (old, 2, 0)


def test_refused_version_keeps_the_old_one(
    registry: Path, train_unpromoted: TrainInto, caplog: pytest.LogCaptureFixture
) -> None:
    watcher = ModelWatcher(registry, "returns_wardrobing")
    old = watcher.load()
    new = train_unpromoted(registry, "wardrobing", 13)
    broken = version_dir(registry, "returns_wardrobing", new)
    meta = json.loads((broken / METADATA_FILE).read_text())
    meta["feature_schema"]["features"][0]["name"] = "basket_value"
    (broken / METADATA_FILE).write_text(json.dumps(meta))

    promote(registry, "returns_wardrobing", new, check=False)
    with caplog.at_level(logging.WARNING):
        assert watcher.maybe_reload() is False
    assert watcher.model is old
    assert watcher.reload_failures == 1
    assert watcher.last_error is not None
    assert "basket_value" in watcher.last_error
    assert any("refused" in r.message for r in caplog.records)
    # Not retried on every poll: only when the pointer moves again.
    assert watcher.maybe_reload() is False
    assert watcher.reload_failures == 1


def test_corrupt_model_file_and_vanished_pointer(
    registry: Path, train_unpromoted: TrainInto
) -> None:
    watcher = ModelWatcher(registry, "returns_fraud")
    old = watcher.load()
    new = train_unpromoted(registry, "fraud", 14)
    (version_dir(registry, "returns_fraud", new) / MODEL_FILE).write_text("garbage")
    promote(registry, "returns_fraud", new, check=False)
    assert watcher.maybe_reload() is False
    assert watcher.model is old
    assert watcher.reload_failures == 1

    pointer_path(registry, "returns_fraud").unlink()
    assert watcher.maybe_reload() is False
    assert watcher.model is old
    assert watcher.reload_failures == 2
    assert watcher.model.score(WARM_UP_INPUT).model_version == old.version


def test_in_thread_reload_loads_off_the_loop_and_swaps_on_it(
    registry: Path, train_unpromoted: TrainInto, monkeypatch: pytest.MonkeyPatch
) -> None:
    watcher = ModelWatcher(registry, "returns_fraud")
    watcher.load()
    new = train_unpromoted(registry, "fraud", 15)
    loaded_on: list[int] = []
    real_load = RiskModel.load

    def spy(directory: Path, **kwargs: Any) -> RiskModel:
        loaded_on.append(threading.get_ident())
        return real_load(directory, **kwargs)

    async def reload() -> tuple[bool, int]:
        return await watcher.maybe_reload_in_thread(), threading.get_ident()

    promote(registry, "returns_fraud", new)  # checks the model: loads it here, unspied
    monkeypatch.setattr(RiskModel, "load", spy)
    swapped, loop_thread = asyncio.run(reload())
    assert swapped is True
    assert watcher.version == new
    assert len(loaded_on) == 1
    assert loaded_on[0] != loop_thread
    # A refused version keeps the old one, as with the synchronous reload.
    broken = train_unpromoted(registry, "fraud", 16)
    (version_dir(registry, "returns_fraud", broken) / MODEL_FILE).write_text("garbage")
    promote(registry, "returns_fraud", broken, check=False)
    swapped, _ = asyncio.run(reload())
    assert swapped is False
    assert watcher.version == new
    assert watcher.reload_failures == 1
