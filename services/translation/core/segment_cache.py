"""A thread-safe LRU cache of segment translations, with hit and miss counters.

Keys are (route, segment) where the segment holds slot numbers instead of protected
text, so "Your order #123 has shipped" and "Your order #456 has shipped" share an entry.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

from services.translation.engines.base import TemplatePiece


@dataclass(frozen=True, slots=True)
class CachedTranslation:
    template: tuple[TemplatePiece, ...]
    unknown_words: int


@dataclass(frozen=True, slots=True)
class CacheStats:
    hits: int
    misses: int
    size: int
    capacity: int

    @property
    def hit_rate(self) -> float:
        """Hits over lookups since start (0.0 before the first lookup)."""
        lookups = self.hits + self.misses
        return self.hits / lookups if lookups else 0.0


class SegmentCache:
    def __init__(self, capacity: int = 10_000) -> None:
        if capacity < 0:
            raise ValueError("cache capacity must not be negative")
        self._capacity = capacity
        self._entries: OrderedDict[Hashable, CachedTranslation] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    def get(self, key: Hashable) -> CachedTranslation | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self._misses += 1
            else:
                self._hits += 1
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, value: CachedTranslation) -> None:
        if self._capacity == 0:
            return
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self._hits, self._misses, len(self._entries), self._capacity)

    def clear(self) -> None:
        """Drop every entry (counters are kept: they are cumulative metrics)."""
        with self._lock:
            self._entries.clear()
