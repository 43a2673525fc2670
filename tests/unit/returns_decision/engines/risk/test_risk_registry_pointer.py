"""The active pointer: atomic replacement, history, safe names."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.returns_decision.engines.risk.errors import ModelNotFoundError
from services.returns_decision.engines.risk.registry import (
    Pointer,
    pointer_path,
    read_pointer,
    version_dir,
    write_pointer,
)


def test_write_then_read(tmp_path: Path) -> None:
    write_pointer(tmp_path, "returns_fraud", Pointer("v1", ("v0",)))
    write_pointer(tmp_path, "returns_fraud", Pointer("v2", ("v0", "v1")))
    assert read_pointer(tmp_path, "returns_fraud") == Pointer("v2", ("v0", "v1"))
    # Nothing but the pointer is left behind (no temporary files).
    assert [p.name for p in pointer_path(tmp_path, "returns_fraud").parent.iterdir()] == [
        "active.json"
    ]


def test_pointer_is_readable_by_other_users(tmp_path: Path) -> None:
    # A service running as another user than the one who promoted must read it.
    write_pointer(tmp_path, "m", Pointer("v1"))
    assert pointer_path(tmp_path, "m").stat().st_mode & 0o777 == 0o644


def test_replacement_changes_the_inode(tmp_path: Path) -> None:
    write_pointer(tmp_path, "m", Pointer("v1"))
    before = pointer_path(tmp_path, "m").stat().st_ino
    write_pointer(tmp_path, "m", Pointer("v2"))
    assert pointer_path(tmp_path, "m").stat().st_ino != before


@pytest.mark.parametrize("bad", ["../x", "a/b", "", ".hidden", "a..b"])
def test_unsafe_names_are_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ModelNotFoundError, match="invalid"):
        version_dir(tmp_path, "m", bad)


def test_malformed_pointer(tmp_path: Path) -> None:
    path = pointer_path(tmp_path, "m")
    path.parent.mkdir()
    path.write_text('{"version": 3}')
    with pytest.raises(ModelNotFoundError, match="expected"):
        read_pointer(tmp_path, "m")
    path.write_text("{not json")
    with pytest.raises(ModelNotFoundError, match="unreadable"):
        read_pointer(tmp_path, "m")
