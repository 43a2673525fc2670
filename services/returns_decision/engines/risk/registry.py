"""Registry layout, shared by the service (reads) and ``python -m models`` (writes).

    <root>/<name>/<version>/model.txt, metadata.json, report files
    <root>/<name>/active.json   {"version": ..., "history": [older active versions]}

``active.json`` is the only mutable file: promotion writes a temporary file in the same
directory and ``os.replace``s it, so a reader sees the old pointer or the new one, never
half of either. ``history`` lets ``rollback`` step back without guessing.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from services.returns_decision.engines.risk.artifact import dumps
from services.returns_decision.engines.risk.errors import ModelNotFoundError

POINTER_FILE: Final = "active.json"
LOCK_FILE: Final = ".lock"
# Names and versions become path components: nothing that could climb out of the root.
_SAFE_NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def check_name(kind: str, value: str) -> str:
    if not _SAFE_NAME.fullmatch(value) or ".." in value:
        raise ModelNotFoundError(f"invalid model {kind} {value!r}")
    return value


def model_dir(root: Path, name: str) -> Path:
    return root / check_name("name", name)


def version_dir(root: Path, name: str, version: str) -> Path:
    return model_dir(root, name) / check_name("version", version)


def pointer_path(root: Path, name: str) -> Path:
    return model_dir(root, name) / POINTER_FILE


@dataclass(frozen=True)
class Pointer:
    version: str
    history: tuple[str, ...] = ()  # previously active versions, oldest first


def read_pointer(root: Path, name: str) -> Pointer:
    path = pointer_path(root, name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelNotFoundError(f"model {name!r} has no active version ({path} missing)") from None
    except (OSError, ValueError) as exc:
        raise ModelNotFoundError(f"{path}: unreadable: {exc}") from None
    version = data.get("version") if isinstance(data, dict) else None
    history = data.get("history", []) if isinstance(data, dict) else None
    if not isinstance(version, str) or not isinstance(history, list):
        raise ModelNotFoundError(f"{path}: expected {{'version': str, 'history': [str]}}")
    return Pointer(check_name("version", version), tuple(str(v) for v in history))


def write_pointer(root: Path, name: str, pointer: Pointer) -> None:
    """Atomically replaces the active pointer (temp file, fsync, ``os.replace``)."""
    path = pointer_path(root, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = dumps({"version": pointer.version, "history": list(pointer.history)})
    fd, tmp = tempfile.mkstemp(prefix=".active.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(payload)
            handle.flush()
            # mkstemp makes the file 0600: a service running as another user (a container
            # user, a read-only deployment) must be able to read the pointer.
            os.fchmod(handle.fileno(), 0o644)
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def locked(root: Path, name: str) -> Iterator[None]:
    """Serialises writers of one model's pointer (readers never need the lock)."""
    directory = model_dir(root, name)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / LOCK_FILE, "a", encoding="utf-8") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def active_version_dir(root: Path, name: str) -> Path:
    pointer = read_pointer(root, name)
    directory = version_dir(root, name, pointer.version)
    if not directory.is_dir():
        raise ModelNotFoundError(f"model {name!r}: active version {pointer.version} not found")
    return directory
