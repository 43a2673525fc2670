"""Benchmark of the translation core against raw ``apertium -u`` measured in the same run.

* batch: one ``Translator.translate_batch`` call on 1,000 Tatoeba sentences (the cache
  off, the pipelines already started, as in a running service) against one
  ``apertium -u`` run on the same sentences (for a pivot, ``apertium -u A | apertium -u B``);
  the ratio is raw time over ours (target >= 0.8); raw includes starting its processes
  (~0.2 s per leg), which is part of what running ``apertium -u`` costs;
* core overhead: the same en-es batch through the Translator against the bare
  ApertiumEngine (one segment per sentence): what protection and segmentation cost;
* single: one short sentence per call, the cache off: p50 in ms (target < 20 ms) against
  ``apertium -u`` started for one sentence, which is what a service without persistent
  pipelines would pay.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from models.translation.datasets import load_sets
from models.translation.raw_apertium import raw_apertium
from services.translation.core import SegmentCache, Translator
from services.translation.engines.apertium_engine import ApertiumEngine

BATCH = 1_000
SHORT_MAX_CHARS = 40


def _paired_medians(
    first: Callable[[], object], second: Callable[[], object], repeats: int
) -> tuple[float, float]:
    """Median seconds of each, run alternately so that load from other processes on a
    shared machine falls on both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for run, out in ((first, times[0]), (second, times[1])):
            started = time.perf_counter()
            run()
            out.append(time.perf_counter() - started)
    return statistics.median(times[0]), statistics.median(times[1])


def _p50_ms(run: Callable[[str], object], sentences: list[str], calls: int) -> float:
    times = []
    for i in range(calls):
        sentence = sentences[i % len(sentences)]
        started = time.perf_counter()
        run(sentence)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _batch_line(
    translator: Translator,
    modes: dict[tuple[str, str], str],
    sentences: list[str],
    source: str,
    target: str,
    repeats: int,
) -> str:
    route = translator.route(source, target)
    legs = [modes[(leg.source, leg.target)] for leg in route.legs]
    translator.translate_batch(sentences[:50], source, target)  # start every leg first
    ours, raw = _paired_medians(
        lambda: translator.translate_batch(sentences, source, target),
        lambda: raw_apertium(sentences, legs),
        repeats,
    )
    via = "" if route.pivot is None else f" (pivot: {' | '.join(legs)})"
    return (
        f"  translation {source}-{target}{via} {len(sentences):,}-sentence batch: "
        f"{raw / ours:.2f}x raw apertium (ours {ours:.2f} s, raw {raw:.2f} s)"
    )


def run(quick: bool = False) -> list[str]:
    repeats = 1 if quick else 5
    directions = [("en", "es")] if quick else [("en", "es"), ("en", "fr")]
    sets = {(s.source, s.target): s for s in load_sets(BATCH, directions) if s.corpus == "tatoeba"}
    engine = ApertiumEngine()  # pipelines start on the warm-up call before any timing
    engine.load()
    lines = ["translation (Apertium, cache off):"]
    try:
        translator = Translator([engine], cache=SegmentCache(0))
        modes = {(d.source, d.target): d.mode for d in engine.installed()}
        for source, target in directions:
            sentences = list(sets[(source, target)].sources)
            lines.append(_batch_line(translator, modes, sentences, source, target, repeats))
        sentences = list(sets[("en", "es")].sources)
        segments = [(s,) for s in sentences]
        ours, bare = _paired_medians(
            lambda: translator.translate_batch(sentences, "en", "es"),
            lambda: engine.translate(segments, "en", "es"),
            repeats,
        )
        lines.append(
            f"  translation en-es core overhead (spans, segmentation): ours {ours:.2f} s vs bare"
            f" ApertiumEngine.translate {bare:.2f} s -> {bare / ours:.2f}x bare"
        )
        short = [s for s in sets[("en", "es")].sources if len(s) <= SHORT_MAX_CHARS][:50]
        ours_p50 = _p50_ms(
            lambda s: translator.translate(s, "en", "es"), short, 100 if quick else 400
        )
        raw_p50 = _p50_ms(lambda s: raw_apertium([s], ["eng-spa"]), short, 5 if quick else 15)
        lines.append(
            f"  translation en-es single short sentence p50: {ours_p50:.1f} ms (target < 20 ms);"
            f" raw apertium -u per call {raw_p50:.0f} ms -> {raw_p50 / ours_p50:.0f}x faster"
        )
    finally:
        engine.close()
    return lines


if __name__ == "__main__":  # python -m bench.translation
    for line in run():
        print(line, flush=True)
