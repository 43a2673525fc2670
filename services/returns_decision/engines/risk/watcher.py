"""Hot-swapping a model when the registry's active pointer moves.

The service calls ``maybe_reload_in_thread()`` periodically from its event loop (every
second or so). Polling costs one ``stat`` of ``active.json``; only when the file changed (promotion
replaces it, so its inode changes) is it read. A new version is loaded, schema-checked
and warmed up completely before it replaces the current model; on any failure the current
model keeps serving and the failure is counted and logged. Loading takes milliseconds
(``dump_model()`` and the path-attribution tables), too long to stall the event loop, so
it happens on a worker thread and only the swap runs on the loop's thread.

``ShadowWatcher`` does the same for the version marked shadow (``shadow.json``): loaded
off the serving path the same way, scored beside the active one, never served.

Counters are plain attributes for the service's metrics to read.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from services.common.model_registry import ModelNotFoundError, PointerWatch, ShadowWatch
from services.returns_decision.engines.risk.errors import RiskModelError
from services.returns_decision.engines.risk.features import FEATURE_SCHEMA, FeatureSchema
from services.returns_decision.engines.risk.model import RiskModel
from services.returns_decision.engines.risk.registry import (
    active_version_dir,
    check_name,
    version_dir,
)

_log = logging.getLogger(__name__)


class ModelWatcher:
    """Keeps the active version of one model loaded, swapping when it is promoted."""

    def __init__(
        self,
        registry_root: Path,
        name: str,
        *,
        expected_schema: FeatureSchema = FEATURE_SCHEMA,
    ) -> None:
        self.registry_root = registry_root
        self.name = check_name("name", name)
        self.expected_schema = expected_schema
        self._watch = PointerWatch(registry_root, self.name)
        self._model: RiskModel | None = None
        # Counters, read by the service's metrics.
        self.checks = 0  # maybe_reload() calls
        self.swaps = 0  # successful swaps to a new version (the first load is not a swap)
        self.reload_failures = 0  # new versions refused; the old one kept serving
        self.last_error: str | None = None

    @property
    def model(self) -> RiskModel:
        if self._model is None:
            raise RiskModelError(f"model {self.name!r} is not loaded; call load() first")
        return self._model

    @property
    def version(self) -> str | None:
        return None if self._model is None else self._model.version

    def load(self) -> RiskModel:
        """Loads the active version at start-up; raises if it cannot (fail fast)."""
        self._watch.mark_seen()
        model = RiskModel.load(
            active_version_dir(self.registry_root, self.name),
            expected_schema=self.expected_schema,
        )
        self._model = model
        _log.info("risk model loaded", extra={"model": self.name, "version": model.version})
        return model

    def pending(self) -> Path | None:
        """The directory of a newly promoted version to load, or None (cheap: one stat,
        and a read of the pointer only when it changed)."""
        self.checks += 1
        try:
            return self._watch.changed(self.version)
        except ModelNotFoundError as exc:
            self._fail(f"{exc}; keeping the loaded version")
            return None

    def maybe_reload(self) -> bool:
        """Swaps in the newly promoted version, if any, loading it on this thread. True when
        a swap happened."""
        directory = self.pending()
        if directory is None:
            return False
        try:
            model = RiskModel.load(directory, expected_schema=self.expected_schema)
        except RiskModelError as exc:
            self._fail(str(exc))
            return False
        self._install(model)
        return True

    async def maybe_reload_in_thread(self) -> bool:
        """``maybe_reload`` for an event loop: the new version is loaded and warmed up on a
        worker thread (10-35 ms that would otherwise stall every call in flight), then
        swapped in on the loop's thread. LightGBM boosters are independent, so loading one
        while the loop scores with the current one is safe."""
        directory = self.pending()
        if directory is None:
            return False
        try:
            model = await asyncio.to_thread(
                RiskModel.load, directory, expected_schema=self.expected_schema
            )
        except RiskModelError as exc:
            self._fail(str(exc))
            return False
        self._install(model)
        return True

    def _install(self, model: RiskModel) -> None:
        old = self.version
        self._model = model
        self.swaps += 1
        self.last_error = None
        _log.info(
            "risk model swapped",
            extra={"model": self.name, "version": model.version, "previous_version": old},
        )

    def _fail(self, message: str) -> None:
        self.reload_failures += 1
        self.last_error = message
        _log.warning(
            "risk model reload refused",
            extra={"model": self.name, "version": self.version, "error": message},
        )


class ShadowWatcher:
    """Keeps the version marked shadow of one model loaded, or none when none is marked.

    A shadow that cannot be loaded is refused (counted and logged) and no shadow is scored;
    the active model is never affected."""

    def __init__(
        self, registry_root: Path, name: str, *, expected_schema: FeatureSchema = FEATURE_SCHEMA
    ) -> None:
        self.registry_root = registry_root
        self.name = check_name("name", name)
        self.expected_schema = expected_schema
        self._watch = ShadowWatch(registry_root, self.name)
        self.model: RiskModel | None = None
        self.swaps = 0  # shadows loaded or cleared after start-up
        self.reload_failures = 0
        self.last_error: str | None = None

    @property
    def version(self) -> str | None:
        return None if self.model is None else self.model.version

    def _poll(self) -> tuple[bool, Path | None]:
        """(whether the mark moved, the directory of the version to load or None)."""
        try:
            moved, version = self._watch.moved()
            if not moved or version is None:
                return moved, None
            if version == self.version:
                return False, None
            return True, version_dir(self.registry_root, self.name, version)
        except ModelNotFoundError as exc:
            self._fail(str(exc))
            return False, None

    def load(self) -> None:
        """Loads the shadow marked at start-up, if any; a broken one is refused, not fatal."""
        self.maybe_reload()

    def maybe_reload(self) -> bool:
        moved, directory = self._poll()
        if not moved:
            return False
        return self._install(None if directory is None else self._load(directory), directory)

    async def maybe_reload_in_thread(self) -> bool:
        """Like ``ModelWatcher.maybe_reload_in_thread``: loaded on a worker thread, installed
        on the loop's. True when the shadow changed (set, replaced or cleared)."""
        moved, directory = self._poll()
        if not moved:
            return False
        model = None if directory is None else await asyncio.to_thread(self._load, directory)
        return self._install(model, directory)

    def _load(self, directory: Path) -> RiskModel | None:
        try:
            return RiskModel.load(directory, expected_schema=self.expected_schema)
        except RiskModelError as exc:
            self._fail(str(exc))
            return None

    def _install(self, model: RiskModel | None, directory: Path | None) -> bool:
        if directory is not None and model is None:
            # Refused: score no shadow rather than keep one the registry no longer marks.
            self.model = None
            return True
        old = self.version
        self.model = model
        self.swaps += 1
        self.last_error = None
        _log.info(
            "shadow model set" if model is not None else "shadow model cleared",
            extra={"model": self.name, "version": self.version, "previous_version": old},
        )
        return True

    def _fail(self, message: str) -> None:
        self.reload_failures += 1
        self.last_error = message
        _log.warning(
            "shadow model refused",
            extra={"model": self.name, "error": message},
        )
