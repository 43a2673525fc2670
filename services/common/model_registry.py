"""The model registry's layout, shared by every service (reads) and ``models`` (writes).

    <root>/<name>/<version>/   one immutable version (what is in it is the model's own)
    <root>/<name>/active.json  {"version": ..., "history": [older active versions]}
    <root>/<name>/shadow.json  {"version": ...}: scored beside the active one, never served

``active.json`` and ``shadow.json`` are the only mutable files: a move writes a temporary
file in the same directory and ``os.replace``s it, so a reader sees the old pointer or the
new one, never half of either, and the new file has a new inode (what ``PointerWatch``
polls for). Clearing the shadow removes its file.
``history`` lets ``rollback`` step back without guessing. Writers of one name serialise on
``locked``; readers never lock.
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

from services.common.paths import VAR_DIR

DEFAULT_ROOT: Final = VAR_DIR / "models" / "registry"
"""Where ``make models`` registers every service's models (git-ignored)."""
POINTER_FILE: Final = "active.json"
SHADOW_FILE: Final = "shadow.json"
LOCK_FILE: Final = ".lock"
MAX_HISTORY: Final = 50
# Names and versions become path components: nothing that could climb out of the root.
_SAFE_NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


class RegistryError(Exception):
    """A registry operation that cannot be carried out as asked."""


class ModelNotFoundError(RegistryError):
    """The registry has no such model, version, or active pointer (or a name is unsafe)."""


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


def _dumps(pointer: Pointer) -> str:
    # Canonical JSON: the same pointer always gives the same bytes.
    data = {"version": pointer.version, "history": list(pointer.history)}
    return json.dumps(data, sort_keys=True, indent=2) + "\n"


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
    _replace(pointer_path(root, name), _dumps(pointer))


def shadow_path(root: Path, name: str) -> Path:
    return model_dir(root, name) / SHADOW_FILE


def read_shadow(root: Path, name: str) -> str | None:
    """The version marked shadow, or None when there is none."""
    path = shadow_path(root, name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ModelNotFoundError(f"{path}: unreadable: {exc}") from None
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, str):
        raise ModelNotFoundError(f"{path}: expected {{'version': str}}")
    return check_name("version", version)


def write_shadow(root: Path, name: str, version: str | None) -> None:
    """Atomically marks ``version`` shadow, or clears the mark (None). Callers hold
    ``locked``; that the version exists and loads is theirs to check."""
    path = shadow_path(root, name)
    if version is None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        return
    text = json.dumps({"version": check_name("version", version)}, indent=2) + "\n"
    _replace(path, text)


def _replace(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
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


def has_active(root: Path, name: str) -> bool:
    """True when the pointer exists and names a version directory that exists."""
    with contextlib.suppress(ModelNotFoundError):
        return active_version_dir(root, name).is_dir()
    return False


def activate(root: Path, name: str, version: str) -> Pointer:
    """Makes an existing ``version`` active, pushing the current one onto the history.

    Checking that the version loads is the caller's (it knows the model's format)."""
    if not version_dir(root, name, version).is_dir():
        raise ModelNotFoundError(f"model {name!r} has no version {version!r}")
    with locked(root, name):
        try:
            current: Pointer | None = read_pointer(root, name)
        except ModelNotFoundError:
            current = None
        if current is not None and current.version == version:
            return current
        history = () if current is None else (*current.history, current.version)[-MAX_HISTORY:]
        pointer = Pointer(version, history)
        write_pointer(root, name, pointer)
        return pointer


def step_back(root: Path, name: str) -> Pointer:
    """Re-activates the previously active version (the last one in the history)."""
    with locked(root, name):
        current = read_pointer(root, name)
        if not current.history:
            raise RegistryError(f"model {name!r}: no earlier version to roll back to")
        previous = current.history[-1]
        if not version_dir(root, name, previous).is_dir():
            raise ModelNotFoundError(f"model {name!r}: earlier version {previous} is gone")
        pointer = Pointer(previous, current.history[:-1])
        write_pointer(root, name, pointer)
        return pointer


_Signature = tuple[int, int, int]  # inode, mtime_ns, size


class PointerWatch:
    """Tells cheaply whether one model's active pointer moved since the last look.

    Polling costs one ``stat``; the pointer is read only when its file changed (promotion
    replaces it, so its inode changes)."""

    def __init__(self, root: Path, name: str, file: str = POINTER_FILE) -> None:
        self.root = root
        self.name = check_name("name", name)
        self._path = str(model_dir(root, self.name) / file)  # polled: build it once
        self._seen: _Signature | None = None

    def _signature(self) -> _Signature | None:
        try:
            st = os.stat(self._path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def mark_seen(self) -> None:
        """Takes the pointer as it is now as known (before loading the version it names)."""
        self._seen = self._signature()

    def changed(self, loaded_version: str | None) -> Path | None:
        """The directory of a newly activated version other than ``loaded_version``, or
        None when nothing moved. Raises ModelNotFoundError once when the pointer vanished
        or names a version that is not there (the loaded one keeps serving)."""
        signature = self._signature()
        if signature == self._seen:
            return None
        self._seen = signature
        if signature is None:
            raise ModelNotFoundError(f"model {self.name!r}: active pointer disappeared")
        pointer = read_pointer(self.root, self.name)
        if pointer.version == loaded_version:
            return None
        return active_version_dir(self.root, self.name)


class ShadowWatch(PointerWatch):
    """Tells cheaply whether one model's shadow mark moved (one ``stat`` per poll)."""

    def __init__(self, root: Path, name: str) -> None:
        super().__init__(root, name, SHADOW_FILE)

    def moved(self) -> tuple[bool, str | None]:
        """(whether the mark changed since the last look, the version marked now or None).
        Raises ModelNotFoundError when the file cannot be read."""
        signature = self._signature()
        if signature == self._seen:
            return False, None
        self._seen = signature
        return True, None if signature is None else read_shadow(self.root, self.name)
