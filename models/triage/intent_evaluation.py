"""Intent quality in each supported language, and "other" on unseen out-of-scope topics.

Scored on team-written multilingual sets (data/triage/SOURCES.md), never on machine
translations of the training data:
- `intents_eval`: 124 messages a language (en es fr pt it de), 8 for each of 13 main
  intents and 20 out-of-scope questions (banking, travel, weather, recipes, small talk...)
  labelled "other". Never trained on and never used to choose anything.
- `intents_dev`: 49 a language (3 an intent, 10 out-of-scope), written separately: what
  the design and the confidence floor were chosen on (`--sweep` prints the trade-off).

Per language: macro-F1 over the set's intents ("other" included: an out-of-scope message
must be answered OTHER, an in-scope one must not), accuracy on the in-scope messages,
and the share of out-of-scope messages answered OTHER (goal OTHER_RATE_GOAL). CLINC
oos_val (English) is reported beside them.

    python -m models.triage.intent_evaluation [--set intents_dev] [--sweep] [--model-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.metrics import f1_score  # type: ignore[import-untyped]

from models.triage.datasets import (
    DEFAULT_DATA_DIR,
    INTENT_SET_LANGUAGES,
    IntentExamples,
    load_clinc_oos,
    load_intent_set,
)
from services.triage.core.intent import intent_results
from services.triage.core.intents import Intent
from services.triage.engines.bundle import TriageEngines
from services.triage.paths import DEFAULT_MODEL_DIR

EVAL_SET = "intents_eval"
DEV_SET = "intents_dev"
PROVENANCE = {
    EVAL_SET: "team-written in each language for evaluation, not translated from training "
    "data; never trained on, never used to choose",
    DEV_SET: "team-written in each language, separate from the eval set; the design and the "
    "confidence floor were chosen on it",
}
OTHER_RATE_GOAL = 0.85
SWEEP_THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


@dataclass(frozen=True, slots=True)
class LanguageIntentScores:
    language: str
    n: int
    macro_f1: float
    in_scope_n: int
    in_scope_accuracy: float
    out_of_scope_n: int
    other_rate: float
    """Share of the out-of-scope messages answered OTHER (nan without any)."""


@dataclass(frozen=True, slots=True)
class IntentSetReport:
    name: str
    provenance: str
    min_confidence: float
    languages: list[LanguageIntentScores]
    clinc_oos_n: int
    clinc_other_rate: float


def score_by_language(
    examples: IntentExamples, predicted: Sequence[Intent]
) -> list[LanguageIntentScores]:
    """Per-language figures of `predicted` against `examples` (in INTENT_SET_LANGUAGES
    order, then any other language met)."""
    gold = np.asarray([i.value for i in examples.intents])
    got = np.asarray([i.value for i in predicted])
    languages = np.asarray(examples.languages)
    order = [c for c in INTENT_SET_LANGUAGES if c in set(examples.languages)]
    order += sorted(set(examples.languages) - set(order))
    out = []
    for code in order:
        mask = languages == code
        outside = mask & (gold == Intent.OTHER.value)
        inside = mask & ~outside
        out.append(
            LanguageIntentScores(
                language=code,
                n=int(mask.sum()),
                macro_f1=float(
                    f1_score(
                        gold[mask],
                        got[mask],
                        average="macro",
                        labels=sorted(set(gold[mask].tolist())),
                        zero_division=0,
                    )
                ),
                in_scope_n=int(inside.sum()),
                in_scope_accuracy=_share(got[inside] == gold[inside]),
                out_of_scope_n=int(outside.sum()),
                other_rate=_share(got[outside] == Intent.OTHER.value),
            )
        )
    return out


def _share(hits: npt.NDArray[np.bool_]) -> float:
    return float(hits.mean()) if len(hits) else float("nan")


def _decide(
    engines: TriageEngines, probabilities: npt.NDArray[np.float64], min_confidence: float
) -> list[Intent]:
    results = intent_results(
        probabilities, engines.intent.labels, engines.intent.model, min_confidence
    )
    return [r.intent for r in results]


def evaluate_intent_set(
    engines: TriageEngines, data_dir: Path = DEFAULT_DATA_DIR, name: str = EVAL_SET
) -> IntentSetReport:
    """The loaded intent model, with its own confidence floor, on one team-written set."""
    examples = load_intent_set(data_dir, name)
    floor = engines.intent.min_confidence
    predicted = _decide(engines, engines.intent.predict(examples.texts), floor)
    _, oos_val = load_clinc_oos(data_dir)
    clinc = _decide(engines, engines.intent.predict(oos_val), floor)
    return IntentSetReport(
        name=name,
        provenance=PROVENANCE.get(name, "team-written"),
        min_confidence=floor,
        languages=score_by_language(examples, predicted),
        clinc_oos_n=len(oos_val),
        clinc_other_rate=_share(np.asarray([i is Intent.OTHER for i in clinc])),
    )


def threshold_sweep(
    engines: TriageEngines,
    data_dir: Path = DEFAULT_DATA_DIR,
    name: str = DEV_SET,
    thresholds: Sequence[float] = SWEEP_THRESHOLDS,
) -> list[tuple[float, list[LanguageIntentScores]]]:
    """The set's figures at each confidence floor (how the floor is chosen, on dev)."""
    examples = load_intent_set(data_dir, name)
    probabilities = engines.intent.predict(examples.texts)
    return [
        (t, score_by_language(examples, _decide(engines, probabilities, t))) for t in thresholds
    ]


def format_intent_set(report: IntentSetReport) -> str:
    lines = [
        f"Intent by language, {report.name} ({report.provenance}); confidence floor "
        f"{report.min_confidence:.2f}",
        f"  {'lang':<5} {'n':>4} {'macro-F1':>9} {'in-scope acc':>13} {'out-of-scope':>13}"
        f" {'-> other':>9} {'>=' + format(OTHER_RATE_GOAL, '.2f'):>6}",
    ]
    for s in report.languages:
        ok = "yes" if s.other_rate >= OTHER_RATE_GOAL else "NO"
        lines.append(
            f"  {s.language:<5} {s.n:>4} {s.macro_f1:>9.3f} {s.in_scope_accuracy:>13.3f}"
            f" {s.out_of_scope_n:>13} {s.other_rate:>9.3f} {ok:>6}"
        )
    lines.append(
        f"  CLINC oos_val (English, n={report.clinc_oos_n}, never trained on) -> other: "
        f"{report.clinc_other_rate:.3f}"
    )
    return "\n".join(lines)


def format_sweep(name: str, sweep: list[tuple[float, list[LanguageIntentScores]]]) -> str:
    codes = [s.language for s in sweep[0][1]] if sweep else []
    lines = [
        f"Confidence floor sweep on {name}: macro-F1 | out-of-scope -> other, per language",
        f"  {'floor':>5}  " + " ".join(f"{c:>5}" for c in codes) + "   mean  in-acc |  "
        + " ".join(f"{c:>5}" for c in codes) + "    min",
    ]  # fmt: skip
    for threshold, scores in sweep:
        inside = sum(s.in_scope_n for s in scores)
        accuracy = sum(s.in_scope_accuracy * s.in_scope_n for s in scores) / max(inside, 1)
        f1 = [s.macro_f1 for s in scores]
        other = [s.other_rate for s in scores]
        lines.append(
            f"  {threshold:>5.2f}  " + " ".join(f"{v:>5.3f}" for v in f1)
            + f"  {float(np.mean(f1)):.3f}  {accuracy:.3f} |  "
            + " ".join(f"{v:>5.3f}" for v in other) + f"  {min(other):.3f}"
        )  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.triage.intent_evaluation")
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--set", default=EVAL_SET, choices=[EVAL_SET, DEV_SET])
    parser.add_argument(
        "--sweep", action="store_true", help="figures at several confidence floors instead"
    )
    args = parser.parse_args(argv)
    engines = TriageEngines.load(args.model_dir)
    if args.sweep:
        print(format_sweep(args.set, threshold_sweep(engines, args.data, args.set)))
    else:
        print(format_intent_set(evaluate_intent_set(engines, args.data, args.set)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
