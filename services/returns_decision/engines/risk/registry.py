"""The registry layout for the risk models: ``services.common.model_registry``'s, with its
lookup failures raised as the risk engine's ``ModelNotFoundError`` (a ``RiskModelError``,
which the scorer, the watcher and ``python -m models`` handle).

    <root>/<name>/<version>/model.txt, metadata.json, report files
    <root>/<name>/active.json   {"version": ..., "history": [older active versions]}
    <root>/<name>/shadow.json   {"version": ...}, when a version is scored in shadow
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ParamSpec, TypeVar

from services.common import model_registry as _common
from services.common.model_registry import LOCK_FILE, POINTER_FILE, Pointer
from services.returns_decision.engines.risk.errors import ModelNotFoundError

__all__ = [
    "LOCK_FILE",
    "POINTER_FILE",
    "Pointer",
    "active_version_dir",
    "check_name",
    "locked",
    "model_dir",
    "pointer_path",
    "read_pointer",
    "read_shadow",
    "version_dir",
    "write_pointer",
    "write_shadow",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _risk_errors(function: Callable[_P, _R]) -> Callable[_P, _R]:
    @functools.wraps(function)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return function(*args, **kwargs)
        except _common.ModelNotFoundError as exc:
            if isinstance(exc, ModelNotFoundError):
                raise
            raise ModelNotFoundError(str(exc)) from None

    return wrapper


check_name = _risk_errors(_common.check_name)
model_dir = _risk_errors(_common.model_dir)
version_dir = _risk_errors(_common.version_dir)
pointer_path = _risk_errors(_common.pointer_path)
read_pointer = _risk_errors(_common.read_pointer)
write_pointer = _risk_errors(_common.write_pointer)
active_version_dir = _risk_errors(_common.active_version_dir)
read_shadow = _risk_errors(_common.read_shadow)
write_shadow = _risk_errors(_common.write_shadow)


@contextlib.contextmanager
def locked(root: Path, name: str) -> Iterator[None]:
    """Serialises writers of one model's pointer (readers never need the lock)."""
    with _common.locked(root, check_name("name", name)):
        yield
