"""The service's Translator against raw ``apertium -u`` on the same sentences: BLEU and chrF.

Each set gets its own fresh Apertium pipelines and is sent as one batch, so that the
service sees the sentences in the order ``apertium -u`` sees them in one run over the
set. That matters: Apertium's HMM tagger (apertium 3.8.3) keeps state within a run (a
word whose ambiguity class its model lacks overwrites the tagger's "open class", what
unknown words may be, for the rest of the process), and both sides must carry the same.
The gate is on that pass. A second pass over the same set on the same, now warm,
pipelines is reported too: with the engine's tagger reset (``apertium_tagger_reset``)
it must give exactly the first pass's output, since each request starts from the
tagger's initial state; without it (no C++ compiler) it drifts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sacrebleu

from models.translation.datasets import EvalSet
from models.translation.raw_apertium import raw_apertium
from services.translation.core import Route, SegmentCache, Translator
from services.translation.engines.apertium_engine import ApertiumEngine


@dataclass(frozen=True)
class Scores:
    bleu: float
    chrf: float

    def minus(self, other: Scores) -> Scores:
        return Scores(self.bleu - other.bleu, self.chrf - other.chrf)

    def below(self, other: Scores) -> list[str]:
        """The metrics on which these scores are below ``other``."""
        return [
            name
            for name, ours, theirs in (
                ("BLEU", self.bleu, other.bleu),
                ("chrF", self.chrf, other.chrf),
            )
            if ours < theirs
        ]


@dataclass(frozen=True)
class SetResult:
    eval_set: EvalSet
    route: str
    raw: Scores
    ours: Scores
    warm: Scores | None
    differing: int
    """Sentences where the fresh service output differs from raw apertium's."""
    warm_differing: int
    seconds: dict[str, float]
    examples: tuple[tuple[str, str, str, str], ...] = ()
    """(source, ours, raw, reference) of the first differing sentences."""
    warm_changed: int = 0
    """Sentences the warm pass translated differently from the fresh one."""
    tagger_reset: bool = False
    """Whether the engine's pipelines ran with the tagger reset library."""


def score(hypotheses: Sequence[str], references: Sequence[str]) -> Scores:
    refs = [list(references)]
    return Scores(
        sacrebleu.corpus_bleu(list(hypotheses), refs).score,
        sacrebleu.corpus_chrf(list(hypotheses), refs).score,
    )


def _route_label(route: Route) -> str:
    return "direct" if route.pivot is None else f"pivot {route.pivot}"


def _ours(translator: Translator, s: EvalSet) -> list[str]:
    out: list[str] = []
    step = translator.limits.max_batch_texts
    for start in range(0, len(s.sources), step):
        batch = s.sources[start : start + step]
        out += [
            " ".join(r.text.split()) for r in translator.translate_batch(batch, s.source, s.target)
        ]
    return out


def evaluate_set(s: EvalSet, warm: bool = True, examples: int = 0) -> SetResult:
    engine = ApertiumEngine()  # fresh pipelines: see the module docstring
    engine.load()
    try:
        translator = Translator([engine], cache=SegmentCache(0))
        route = translator.route(s.source, s.target)
        modes = {(d.source, d.target): d.mode for d in engine.installed()}
        seconds: dict[str, float] = {}

        def timed(name: str, run: Callable[[], list[str]]) -> list[str]:
            started = time.perf_counter()
            out = run()
            seconds[name] = time.perf_counter() - started
            return out

        legs = [modes[(leg.source, leg.target)] for leg in route.legs]
        raw = timed("raw", lambda: raw_apertium(s.sources, legs))
        ours = timed("ours", lambda: _ours(translator, s))
        again = timed("warm", lambda: _ours(translator, s)) if warm else None
        tagger_reset = engine.tagger_reset_active
    finally:
        engine.close()
    return SetResult(
        eval_set=s,
        route=_route_label(route),
        raw=score(raw, s.references),
        ours=score(ours, s.references),
        warm=score(again, s.references) if again is not None else None,
        differing=sum(a != b for a, b in zip(ours, raw, strict=True)),
        warm_differing=(
            sum(a != b for a, b in zip(again, raw, strict=True)) if again is not None else 0
        ),
        seconds=seconds,
        examples=tuple(
            (src, a, b, ref)
            for src, a, b, ref in zip(s.sources, ours, raw, s.references, strict=True)
            if a != b
        )[:examples],
        warm_changed=(
            sum(a != b for a, b in zip(again, ours, strict=True)) if again is not None else 0
        ),
        tagger_reset=tagger_reset,
    )


def differences(results: Sequence[SetResult]) -> list[str]:
    """The differing sentences kept by ``evaluate_set(examples=...)``, set by set."""
    lines: list[str] = []
    for r in results:
        for source, ours, raw, reference in r.examples:
            lines += [
                f"{r.eval_set.name}:",
                f"  source: {source}",
                f"  ours:   {ours}",
                f"  raw:    {raw}",
                f"  ref:    {reference}",
            ]
    return lines


def _signed(value: float) -> str:
    return f"{value:+.2f}" if round(value, 2) != 0 or value == 0 else f"{value:+.3f}"


def table(results: Sequence[SetResult]) -> list[str]:
    header = (
        f"{'set':<26} {'route':<8} {'n':>5} | {'BLEU ours':>9} {'raw':>6} {'diff':>6} | "
        f"{'chrF ours':>9} {'raw':>6} {'diff':>6} | {'differ':>6} | "
        f"{'warm dBLEU':>10} {'dchrF':>6} {'differ':>6}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        d = r.ours.minus(r.raw)
        warm = (
            ""
            if r.warm is None
            else (
                f"{_signed(r.warm.bleu - r.raw.bleu):>10} {_signed(r.warm.chrf - r.raw.chrf):>6} "
                f"{r.warm_differing:>6}"
            )
        )
        lines.append(
            f"{r.eval_set.name:<26} {r.route:<8} {len(r.eval_set.sources):>5} | "
            f"{r.ours.bleu:>9.2f} {r.raw.bleu:>6.2f} {_signed(d.bleu):>6} | "
            f"{r.ours.chrf:>9.2f} {r.raw.chrf:>6.2f} {_signed(d.chrf):>6} | "
            f"{r.differing:>6} | {warm}".rstrip(" |")
        )
    return lines


def verdict(results: Sequence[SetResult]) -> tuple[bool, list[str]]:
    """Whether ours (fresh) is at least raw everywhere, and the summary lines."""
    below = [(r, r.ours.below(r.raw)) for r in results]
    failed = [(r, m) for r, m in below if m]
    lines: list[str] = []
    if failed:
        for r, metrics in failed:
            lines.append(f"BELOW RAW APERTIUM: {r.eval_set.name} ({', '.join(metrics)})")
    else:
        lines.append(
            f"ours >= raw apertium -u on BLEU and chrF in all {len(results)} sets (fresh pipelines)"
        )
    warm = [r for r in results if r.warm is not None]
    warm_failed = [
        f"{r.eval_set.name} ({', '.join(m)})" for r in warm if r.warm and (m := r.warm.below(r.raw))
    ]
    if warm_failed:
        lines.append(
            "warm pipelines (second pass) below raw on: " + "; ".join(warm_failed) + "; not gated."
        )
    elif warm:
        lines.append("warm pipelines (second pass): >= raw apertium -u everywhere too")
    changed = [f"{r.eval_set.name} ({r.warm_changed})" for r in warm if r.warm_changed]
    if changed:
        lines.append(
            "warm pipelines translated sentences differently from fresh ones in: "
            + "; ".join(changed)
            + ". Cause: apertium-tagger state across requests"
            + ("" if all(r.tagger_reset for r in warm) else " (tagger reset not active)")
        )
    elif warm:
        lines.append(
            f"warm pipelines translated exactly as fresh ones in all {len(warm)} sets"
            + (" (tagger reset active)" if all(r.tagger_reset for r in warm) else "")
        )
    return not failed, lines
