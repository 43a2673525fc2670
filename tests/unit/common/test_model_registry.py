"""The registry layout every service shares: activation with history, rollback, and the
cheap pointer watch the services poll."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.common.model_registry import (
    ModelNotFoundError,
    Pointer,
    PointerWatch,
    RegistryError,
    activate,
    has_active,
    read_pointer,
    step_back,
    version_dir,
)


def _versions(root: Path, *names: str) -> None:
    for name in names:
        version_dir(root, "m", name).mkdir(parents=True)


def test_activate_keeps_history_and_step_back_walks_it(tmp_path: Path) -> None:
    _versions(tmp_path, "a", "b", "c")
    assert not has_active(tmp_path, "m")
    assert activate(tmp_path, "m", "a") == Pointer("a")
    assert activate(tmp_path, "m", "b") == Pointer("b", ("a",))
    assert activate(tmp_path, "m", "b") == Pointer("b", ("a",))  # already active: unchanged
    assert activate(tmp_path, "m", "c") == Pointer("c", ("a", "b"))
    assert step_back(tmp_path, "m") == Pointer("b", ("a",))
    assert step_back(tmp_path, "m") == Pointer("a")
    with pytest.raises(RegistryError, match="no earlier version"):
        step_back(tmp_path, "m")
    assert read_pointer(tmp_path, "m") == Pointer("a")
    assert has_active(tmp_path, "m")


def test_activate_refuses_a_missing_version(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="no version 'x'"):
        activate(tmp_path, "m", "x")
    with pytest.raises(ModelNotFoundError, match="invalid model version"):
        activate(tmp_path, "m", "../x")


def test_pointer_watch_reports_each_move_once(tmp_path: Path) -> None:
    _versions(tmp_path, "a", "b")
    watch = PointerWatch(tmp_path, "m")
    activate(tmp_path, "m", "a")
    watch.mark_seen()
    assert watch.changed("a") is None
    activate(tmp_path, "m", "b")
    assert watch.changed("a") == version_dir(tmp_path, "m", "b")
    assert watch.changed("a") is None  # seen: not reported twice
    step_back(tmp_path, "m")
    assert watch.changed("a") is None  # back to the loaded version: nothing to load
    (tmp_path / "m" / "active.json").unlink()
    with pytest.raises(ModelNotFoundError, match="disappeared"):
        watch.changed("a")
    assert watch.changed("a") is None
