"""Serving the registry's active triage models, and swapping in promoted versions.

`load()` loads the active version of each model at start-up (and the language detector)
and fails fast. Then the service calls `maybe_reload_in_thread()` periodically from its
event loop: one `stat` per model (services/common/model_registry.PointerWatch). When a
pointer moved, the new version is loaded on a worker thread, off the model thread that
serves calls, and returned as a new `TriageEngines` sharing everything else; the servicer
warms it up on its model thread and swaps it in between two calls. A version that fails
to load is logged and counted, and the loaded one keeps serving.

Counters are plain attributes for the service's metrics to read.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

from services.common.model_registry import ModelNotFoundError, PointerWatch
from services.triage.engines.artifacts import INTENT, SENTIMENT
from services.triage.engines.bundle import TriageEngines
from services.triage.engines.intent import IntentEngine
from services.triage.engines.language import TriageLanguageDetector
from services.triage.engines.registry import REGISTRY_NAMES, active_directories, version_entry
from services.triage.engines.sentiment import SentimentEngine

_log = logging.getLogger(__name__)


def load_sentiment(directory: Path, *, warm_up: bool = True) -> SentimentEngine:
    engine = SentimentEngine(directory, version_entry(directory))
    engine.load(warm_up=warm_up)
    return engine


def load_intent(directory: Path) -> IntentEngine:
    engine = IntentEngine(directory, version_entry(directory))
    engine.load()
    return engine


class TriageModelWatcher:
    """Keeps the active versions of the triage models loaded, swapping on promotion."""

    def __init__(self, registry_root: Path) -> None:
        self.registry_root = registry_root
        self._watches = {
            kind: PointerWatch(registry_root, name) for kind, name in REGISTRY_NAMES.items()
        }
        # Counters, read by the service's metrics.
        self.swaps = 0  # new engines handed out (the first load is not a swap)
        self.reload_failures = 0  # new versions refused; the loaded ones kept serving
        self.last_error: str | None = None

    def load(self) -> TriageEngines:
        """The active versions, loaded and warmed up; raises ModelNotFoundError (saying
        how to build them) or the engines' load errors when one cannot be loaded."""
        for watch in self._watches.values():
            watch.mark_seen()  # before reading: a promotion from now on is seen
        directories = active_directories(self.registry_root)
        sentiment = load_sentiment(directories[SENTIMENT])
        intent = load_intent(directories[INTENT])
        language = TriageLanguageDetector()
        language.load()
        engines = TriageEngines(language=language, sentiment=sentiment, intent=intent)
        _log.info("triage models loaded", extra={"versions": _versions(engines)})
        return engines

    def _pending(self, current: TriageEngines) -> dict[str, Path]:
        loaded = {SENTIMENT: current.sentiment.model.version, INTENT: current.intent.model.version}
        pending = {}
        for kind, watch in self._watches.items():
            try:
                directory = watch.changed(loaded[kind])
            except ModelNotFoundError as exc:
                self.refused(f"{exc}; keeping the loaded version")
                continue
            if directory is not None:
                pending[kind] = directory
        return pending

    @staticmethod
    def _load(current: TriageEngines, pending: dict[str, Path]) -> TriageEngines:
        sentiment, intent = current.sentiment, current.intent
        if SENTIMENT in pending:
            # No warm-up here: it would run the process's one sentence encoder on this
            # thread while the model thread runs it for calls. The servicer warms up.
            sentiment = load_sentiment(pending[SENTIMENT], warm_up=False)
        if INTENT in pending:
            intent = load_intent(pending[INTENT])
        return current.replacing(sentiment=sentiment, intent=intent)

    async def maybe_reload_in_thread(self, current: TriageEngines) -> TriageEngines | None:
        """New engines with the newly promoted versions (loaded on a worker thread), or
        None when nothing was promoted or the new version failed to load."""
        pending = self._pending(current)
        if not pending:
            return None
        try:
            return await asyncio.to_thread(self._load, current, pending)
        except Exception as exc:  # noqa: BLE001 - any broken version: keep serving the old one
            self.refused(f"{', '.join(str(p) for p in pending.values())}: {exc}")
            return None

    def swapped(self, previous: TriageEngines, engines: TriageEngines) -> None:
        """Records that `engines` replaced `previous` in the servicer."""
        self.swaps += 1
        self.last_error = None
        _log.info(
            "triage models swapped",
            extra={
                "versions": _versions(engines),
                "previous_versions": _versions(previous),
                "pid": os.getpid(),  # each worker process swaps on its own
            },
        )

    def refused(self, message: str) -> None:
        self.reload_failures += 1
        self.last_error = message
        _log.warning("triage model reload refused", extra={"error": message})


def _versions(engines: TriageEngines) -> dict[str, str]:
    return {name: model.version for name, model in engines.versions.items()}
