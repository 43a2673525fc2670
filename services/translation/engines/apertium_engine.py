"""The Apertium engine: rule-based MT from Debian's packages, one pipeline pool per direction."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from services.translation.core.errors import (
    EngineTimeoutError,
    EngineUnavailableError,
    UnsupportedLanguagePairError,
)
from services.translation.engines.apertium_modes import (
    DEFAULT_MODES_DIR,
    ApertiumMode,
    apertium_version,
    discover_modes,
    package_version,
)
from services.translation.engines.apertium_pipeline import (
    ApertiumPipeline,
    PipelineDied,
    PipelineTimeout,
)
from services.translation.engines.apertium_stream import (
    SEGMENT_SEPARATOR,
    decode_output,
    encode_segment,
    person_names,
    unknown_words,
)
from services.translation.engines.apertium_tagger_reset import (
    TaggerResetUnavailable,
    tagger_reset_library,
)
from services.translation.engines.base import EngineOutput, Segment
from services.translation.engines.process_pool import PoolTimeout, ProcessPool

log = logging.getLogger(__name__)

_SEPARATOR = SEGMENT_SEPARATOR.encode()


@dataclass(frozen=True)
class ApertiumDirection:
    """What is installed for one direction, for listings and the model-version metric."""

    source: str
    target: str
    mode: str
    package: str
    package_version: str


class ApertiumEngine:
    """Translates through persistent Apertium pipelines.

    ``pool_size`` pipelines per direction are started on first use (or at ``load()`` for
    the ``preload`` directions). A call waits for a free pipeline until its deadline. A
    pipeline that dies, desynchronises or makes no progress within ``stall_timeout``
    (plus a second per 20,000 bytes of input) is killed and replaced, and the request is
    retried once on a fresh one; if that fails too the call fails with a clear error.

    Apertium's HMM tagger is not stateless: a word whose ambiguity class its model lacks
    changes the class the tagger gives unknown words, for the rest of the process
    (``apertium_tagger_reset.cc``). With ``tagger_reset`` (the default) a small library
    preloaded into the tagger stage puts that state back after every request, so each
    request is tagged exactly as a fresh ``apertium -u`` run tags it, whatever the
    pipeline served before. Where the library cannot be built (no C++ compiler) the
    engine runs without it, logs a warning and ``tagger_reset_active`` is False; then
    ``retire_after`` bounds the drift by replacing a pipeline, in the background, once it
    has served that many segments.
    """

    name = "apertium"

    def __init__(
        self,
        *,
        modes_dir: Path = DEFAULT_MODES_DIR,
        pool_size: int = 1,
        preload: Iterable[tuple[str, str]] = (),
        stall_timeout: float = 10.0,
        default_timeout: float = 60.0,
        retire_after: int = 20_000,
        tagger_reset: bool = True,
        build_dir: Path | None = None,
    ) -> None:
        self._modes_dir = modes_dir
        self._pool_size = pool_size
        self._preload = tuple(preload)
        self._stall_timeout = stall_timeout
        self._default_timeout = default_timeout
        self._retire_after = retire_after
        self._tagger_reset = tagger_reset
        self._build_dir = build_dir
        self._tagger_preload: Path | None = None
        self._modes: dict[tuple[str, str], ApertiumMode] = {}
        self._pools: dict[tuple[str, str], ProcessPool[ApertiumPipeline]] = {}
        self._lock = threading.Lock()
        self._loaded = False
        self._version = ""
        self._directions: dict[tuple[str, str], ApertiumDirection] = {}

    @property
    def version(self) -> str:
        return self._version

    @property
    def tagger_reset_active(self) -> bool:
        """Whether each request starts from the tagger's initial state (see the class doc)."""
        return self._tagger_preload is not None

    def load(self) -> None:
        with self._lock:
            if self._loaded:
                return
            self._version = apertium_version()
            self._modes = discover_modes(self._modes_dir)
            if self._tagger_reset and self._modes:
                try:
                    self._tagger_preload = tagger_reset_library(self._build_dir)
                    log.info("apertium-tagger state is reset after each request")
                except TaggerResetUnavailable as exc:
                    log.warning(
                        "Apertium pipelines keep tagger state across requests (%s); "
                        "translations may drift until a pipeline is retired",
                        exc,
                    )
            versions = {m.package: package_version(m.package) for m in self._modes.values()}
            self._directions = {
                pair: ApertiumDirection(m.source, m.target, m.name, m.package, versions[m.package])
                for pair, m in self._modes.items()
            }
            self._loaded = True
        if not self._modes:
            log.warning("no Apertium directions found under %s", self._modes_dir)
        for pair in self._preload:
            self._pool(*pair).prestart()

    def directions(self) -> frozenset[tuple[str, str]]:
        return frozenset(self._modes)

    def installed(self) -> list[ApertiumDirection]:
        """Each direction with its mode and Debian package version, sorted."""
        return [self._directions[p] for p in sorted(self._directions)]

    def pool(self, source: str, target: str) -> ProcessPool[ApertiumPipeline]:
        """The pipeline pool of a direction (started lazily); exposed for health checks."""
        return self._pool(source, target)

    def _pool(self, source: str, target: str) -> ProcessPool[ApertiumPipeline]:
        pair = (source, target)
        with self._lock:
            pool = self._pools.get(pair)
            if pool is None:
                mode = self._modes.get(pair)
                if mode is None:
                    raise UnsupportedLanguagePairError(source, target, sorted(self._modes))
                preload = self._tagger_preload
                pool = ProcessPool(lambda: ApertiumPipeline(mode, preload), self._pool_size)
                self._pools[pair] = pool
            return pool

    def translate(
        self,
        segments: Sequence[Segment],
        source: str,
        target: str,
        *,
        deadline: float | None = None,
    ) -> list[EngineOutput]:
        if not segments:
            return []
        if deadline is None:
            deadline = time.monotonic() + self._default_timeout
        pool = self._pool(source, target)
        encoded = [encode_segment(s) for s in segments]
        payload = (SEGMENT_SEPARATOR.join(e.stream for e in encoded) + "\0").encode()
        between, output = self._exchange(pool, payload, deadline, len(segments))
        parts = output.split(_SEPARATOR)
        if len(parts) != len(segments):
            # Apertium moved or merged a separator: translate one segment at a time.
            if len(segments) == 1:
                raise EngineUnavailableError("Apertium returned a malformed answer")
            log.warning(
                "Apertium %s-%s lost segment separators; one segment at a time", source, target
            )
            return [self.translate([s], source, target, deadline=deadline)[0] for s in segments]
        unknown = between.split(_SEPARATOR)
        if len(unknown) != len(parts):
            unknown = [b""] * len(parts)
        return [
            EngineOutput(
                template=decode_output(part.decode("utf-8", "replace"), e.numbers, e.codes),
                unknown=tuple(
                    word for word in unknown_words(stream) if word.casefold() not in e.code_words
                ),
                names=tuple(
                    name for name in person_names(stream) if name.casefold() not in e.code_words
                ),
            )
            for part, e, stream in zip(
                parts, encoded, (u.decode("utf-8", "replace") for u in unknown), strict=True
            )
        ]

    def _exchange(
        self, pool: ProcessPool[ApertiumPipeline], payload: bytes, deadline: float, segments: int
    ) -> tuple[bytes, bytes]:
        stall = self._stall_timeout + len(payload) / 20_000
        failure: Exception | None = None
        for attempt in (1, 2):
            if failure is not None and time.monotonic() >= deadline:
                raise EngineTimeoutError("Apertium did not answer before the deadline") from failure
            try:
                with pool.lease(deadline) as lease:
                    pipeline = lease.worker
                    try:
                        answer = pipeline.exchange(payload, min(deadline, time.monotonic() + stall))
                        pipeline.segments_served += segments
                        if pipeline.segments_served >= self._retire_after:
                            lease.retire()
                        return answer
                    except (PipelineDied, PipelineTimeout) as exc:
                        lease.discard()
                        failure = exc
                        # Not the stages' stderr: Apertium quotes input words there, and
                        # customer text stays out of logs.
                        log.warning(
                            "Apertium %s pipeline failed (attempt %d): %s",
                            pipeline.mode.name,
                            attempt,
                            exc,
                        )
            except PoolTimeout as exc:
                raise EngineTimeoutError(
                    "no Apertium pipeline became free before the deadline"
                ) from exc
            except OSError as exc:
                raise EngineUnavailableError(f"cannot start Apertium: {exc}") from exc
        if isinstance(failure, PipelineTimeout):
            raise EngineTimeoutError("Apertium stalled twice on this request") from failure
        raise EngineUnavailableError(
            "an Apertium pipeline failed twice on this request"
        ) from failure

    def close(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()
