"""Evaluate built triage artifacts on data they were not trained on.

- Sentiment: UMSAB val split of each language, macro-F1 over negative/neutral/positive,
  the five levels mapped back to their polarity; next to plain VADER (compound with the
  standard +-0.05 thresholds) on the same texts. Scored twice: with the language given
  (the model's own quality) and with the language detected (what the service does).
  Also: Spearman correlation of the score with the mean human rating of the English VADER
  ground truth (never trained on; VADER's own lexicon was validated on it, so VADER's
  figure there is flattering).
- Intent: macro-F1 on the held-back 20% of Bitext, after the confidence floor; share of
  CLINC oos_val answered OTHER; accuracy on the team-written multilingual check set.
- Flags: precision and recall of the lexicon per language and flag on the team-written
  evaluation set (`flag_evaluation.py`).
- Latency of one message through sentiment + intent engines (median of repeated calls:
  indicative only, machines here are shared).

`sentiment_cross_validation` is how sentiment settings are chosen without looking at val:
stratified k-fold CV on the pooled UMSAB train splits, through the production training
code (`python -m models.triage.evaluation cv`).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import spearmanr  # type: ignore[import-untyped]
from sklearn.metrics import f1_score  # type: ignore[import-untyped]
from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]

from models.triage.datasets import (
    DEFAULT_DATA_DIR,
    UMSAB_LANGUAGES,
    load_bitext_split,
    load_clinc_oos,
    load_team_intents,
    load_umsab,
    load_vader_ratings,
)
from models.triage.flag_evaluation import (
    FLAGS_EVAL_DIR,
    FlagReport,
    evaluate_flags,
    format_flag_report,
    load_flag_set,
)
from models.triage.intent_evaluation import IntentSetReport, evaluate_intent_set, format_intent_set
from models.triage.training import (
    USE_SENTENCE_EMBEDDINGS,
    USE_TRANSLATED_LEXICONS,
    USE_TRANSLATIONS,
    Progress,
    fit_sentiment,
    sentiment_training_data,
)
from services.triage.core.intent import intent_results
from services.triage.core.intents import Intent
from services.triage.core.language import resolve_language
from services.triage.core.sentiment import sentiment_results
from services.triage.core.types import Message, Polarity
from services.triage.engines.artifacts import INTENT, SENTIMENT
from services.triage.engines.bundle import TriageEngines
from services.triage.engines.text_features import VaderFeatures, shared_sentence_embeddings

_POLARITY_INDEX = {Polarity.NEGATIVE: 0, Polarity.NEUTRAL: 1, Polarity.POSITIVE: 2}
CHECK_SET = "team_written_intents_check.csv"


@dataclass(frozen=True, slots=True)
class SentimentScores:
    language: str
    n: int
    macro_f1: float
    macro_f1_detected_language: float
    vader_macro_f1: float


@dataclass(frozen=True, slots=True)
class CrossValidation:
    """Out-of-fold sentiment macro-F1 per language on the train splits."""

    folds: int
    seed: int
    macro_f1: dict[str, float]
    fold_macro_f1: dict[str, list[float]]
    seconds: float


CV_FOLDS = 5
CV_SEED = 0


@dataclass(slots=True)
class EvaluationReport:
    sentiment: list[SentimentScores] = field(default_factory=list)
    intent_macro_f1: float = 0.0
    intent_heldout_n: int = 0
    oos_other_share: float = 0.0
    oos_n: int = 0
    check_set_accuracy: dict[str, tuple[int, int]] = field(default_factory=dict)
    rating_spearman: float = 0.0
    rating_spearman_vader: float = 0.0
    rating_n: int = 0
    single_message_ms: float = 0.0
    intents_by_language: IntentSetReport | None = None
    flags: FlagReport | None = None


def _macro_f1(gold: Sequence[int] | np.ndarray, predicted: Sequence[int]) -> float:
    return float(f1_score(gold, predicted, average="macro", labels=[0, 1, 2]))


def _sentiment_classes(engines: TriageEngines, texts: list[str], languages: list[str]) -> list[int]:
    results = sentiment_results(
        engines.sentiment.predict(texts, languages), engines.sentiment.model
    )
    return [_POLARITY_INDEX[r.level.polarity] for r in results]


def _vader_classes(vader: VaderFeatures, texts: list[str]) -> list[int]:
    out = []
    for text in texts:
        compound = vader.compound(text)
        out.append(2 if compound >= 0.05 else 0 if compound <= -0.05 else 1)
    return out


def _predict_intents(engines: TriageEngines, texts: list[str]) -> list[Intent]:
    results = intent_results(
        engines.intent.predict(texts),
        engines.intent.labels,
        engines.intent.model,
        engines.intent.min_confidence,
    )
    return [r.intent for r in results]


def evaluate(
    model_dir: Path | TriageEngines, data_dir: Path = DEFAULT_DATA_DIR, log: Progress | None = None
) -> EvaluationReport:
    """Evaluates an artifact directory, or engines already loaded (registry versions)."""
    say = log or (lambda _: None)
    engines = model_dir if isinstance(model_dir, TriageEngines) else TriageEngines.load(model_dir)
    report = EvaluationReport()
    vader = VaderFeatures()

    for folder, code in UMSAB_LANGUAGES.items():
        split = load_umsab(data_dir, folder, "val")
        say(f"sentiment: {folder} val ({len(split.texts)} texts)")
        given = _sentiment_classes(engines, split.texts, [code] * len(split.texts))
        detected = [
            resolve_language(Message(t), c, engines.language.model).code
            for t, c in zip(split.texts, engines.language.predict(split.texts), strict=True)
        ]
        with_detection = _sentiment_classes(engines, split.texts, detected)
        report.sentiment.append(
            SentimentScores(
                language=code,
                n=len(split.texts),
                macro_f1=_macro_f1(split.labels, given),
                macro_f1_detected_language=_macro_f1(split.labels, with_detection),
                vader_macro_f1=_macro_f1(split.labels, _vader_classes(vader, split.texts)),
            )
        )

    say("sentiment: English VADER ground truth ratings")
    rated_texts, ratings = load_vader_ratings(data_dir)
    probabilities = engines.sentiment.predict(rated_texts, ["en"] * len(rated_texts))
    report.rating_n = len(rated_texts)
    report.rating_spearman = float(
        spearmanr(probabilities[:, 2] - probabilities[:, 0], ratings).statistic
    )
    report.rating_spearman_vader = float(
        spearmanr([vader.compound(t) for t in rated_texts], ratings).statistic
    )

    say("intent: Bitext held-back part, CLINC oos_val, multilingual check set")
    _, heldout = load_bitext_split(data_dir)
    predicted = _predict_intents(engines, heldout.texts)
    gold_labels = sorted({i.value for i in heldout.intents})
    report.intent_macro_f1 = float(
        f1_score(
            [i.value for i in heldout.intents],
            [i.value for i in predicted],
            average="macro",
            labels=gold_labels,
        )
    )
    report.intent_heldout_n = len(heldout.texts)
    _, oos_val = load_clinc_oos(data_dir)
    oos_predicted = _predict_intents(engines, oos_val)
    report.oos_other_share = sum(i is Intent.OTHER for i in oos_predicted) / len(oos_val)
    report.oos_n = len(oos_val)
    if (data_dir / "intents" / CHECK_SET).is_file():
        check = load_team_intents(data_dir, CHECK_SET)
        check_predicted = _predict_intents(engines, check.texts)
        for lang, gold, got in zip(check.languages, check.intents, check_predicted, strict=True):
            right, total = report.check_set_accuracy.get(lang, (0, 0))
            report.check_set_accuracy[lang] = (right + (gold is got), total + 1)

    if (data_dir / FLAGS_EVAL_DIR).is_dir():
        say("flags: lexicon on the labelled evaluation set")
        report.flags = evaluate_flags(load_flag_set(data_dir / FLAGS_EVAL_DIR))

    report.intents_by_language = evaluate_intent_set(engines, data_dir)

    message = ["Where is my order? It was due on Monday and I'm really annoyed."]
    timings = []
    for _ in range(200):
        start = time.perf_counter()
        embeddings = shared_sentence_embeddings().transform(message)  # once, as the service
        engines.sentiment.predict(message, ["en"], embeddings)
        engines.intent.predict(message, embeddings)
        timings.append(time.perf_counter() - start)
    report.single_message_ms = statistics.median(timings) * 1000
    return report


def figures_by_model(report: EvaluationReport) -> dict[str, dict[str, Any]]:
    """The report's figures split by the model they judge (artifacts.SENTIMENT, INTENT),
    as recorded in each registry version's metadata."""
    return {
        SENTIMENT: {
            "macro_f1": {s.language: round(s.macro_f1, 4) for s in report.sentiment},
            "macro_f1_detected_language": {
                s.language: round(s.macro_f1_detected_language, 4) for s in report.sentiment
            },
            "vader_macro_f1": {s.language: round(s.vader_macro_f1, 4) for s in report.sentiment},
            "val_n": {s.language: s.n for s in report.sentiment},
            "rating_spearman": round(report.rating_spearman, 4),
            "rating_spearman_vader": round(report.rating_spearman_vader, 4),
            "rating_n": report.rating_n,
        },
        INTENT: {
            "heldout_macro_f1": round(report.intent_macro_f1, 4),
            "heldout_n": report.intent_heldout_n,
            "oos_other_share": round(report.oos_other_share, 4),
            "oos_n": report.oos_n,
            "check_set_accuracy": {
                lang: list(counts) for lang, counts in report.check_set_accuracy.items()
            },
        },
    }


def format_report(report: EvaluationReport) -> str:
    lines = [
        "Sentiment: UMSAB val, macro-F1 (negative/neutral/positive)",
        f"  {'lang':<5} {'n':>4} {'model':>7} {'model+detect':>13} {'VADER':>7} {'>=0.60':>7}",
    ]
    for s in report.sentiment:
        ok = "yes" if s.macro_f1 >= 0.60 else "NO"
        lines.append(
            f"  {s.language:<5} {s.n:>4} {s.macro_f1:>7.3f} {s.macro_f1_detected_language:>13.3f}"
            f" {s.vader_macro_f1:>7.3f} {ok:>7}"
        )
    mean = statistics.mean(s.macro_f1 for s in report.sentiment)
    vader_mean = statistics.mean(s.vader_macro_f1 for s in report.sentiment)
    lines.append(f"  {'mean':<5} {'':>4} {mean:>7.3f} {'':>13} {vader_mean:>7.3f}")
    lines.append(
        f"  score vs human rating, English VADER ground truth (n={report.rating_n}, not trained"
        f" on): Spearman {report.rating_spearman:.3f}"
        f" (VADER compound {report.rating_spearman_vader:.3f})"
    )
    lines.append("Intent")
    lines.append(
        f"  Bitext held-back 20% (n={report.intent_heldout_n}): macro-F1 "
        f"{report.intent_macro_f1:.4f}  (target >= 0.95)"
    )
    lines.append(
        f"  CLINC oos_val (n={report.oos_n}) answered 'other': "
        f"{report.oos_other_share:.1%}  (target >= 80%)"
    )
    if report.check_set_accuracy:
        parts = [
            f"{lang} {right}/{total}"
            for lang, (right, total) in sorted(report.check_set_accuracy.items())
        ]
        lines.append("  team-written check set (not trained on), correct: " + ", ".join(parts))
    if report.intents_by_language is not None:
        lines.append(format_intent_set(report.intents_by_language))
    if report.flags is not None:
        lines.append(format_flag_report(report.flags))
    lines.append(
        "Latency: one message, sentiment + intent engines: "
        f"{report.single_message_ms:.2f} ms (median)"
    )
    return "\n".join(lines)


def sentiment_cross_validation(
    data_dir: Path = DEFAULT_DATA_DIR,
    folds: int = CV_FOLDS,
    seed: int = CV_SEED,
    max_per_language: int | None = None,
    log: Progress | None = None,
    use_translations: bool = USE_TRANSLATIONS,
    use_lexicons: bool = USE_TRANSLATED_LEXICONS,
    use_embeddings: bool = USE_SENTENCE_EMBEDDINGS,
) -> CrossValidation:
    """k-fold CV of the production sentiment classifier on the UMSAB train splits only.

    Folds are stratified by language and label; every fold refits the whole classifier
    (vectorizers included) on the other folds, with the machine translations of those
    folds' tweets only. Reports per-language macro-F1 of the pooled out-of-fold predictions
    and of each fold.
    """
    say = log or (lambda _: None)
    data = sentiment_training_data(data_dir, use_vader_ground_truth=False,
                                   max_per_language=max_per_language,
                                   use_translations=use_translations,
                                   use_lexicons=use_lexicons)  # fmt: skip
    # Folds are drawn over the original tweets; a translation goes wherever its source tweet
    # goes, and only original tweets are scored.
    originals = np.flatnonzero(data.source == np.arange(len(data.texts)))
    languages = np.asarray(data.languages)[originals]
    labels = data.labels[originals]
    strata = [f"{lang}:{label}" for lang, label in zip(languages, labels, strict=True)]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    predicted = np.zeros(len(originals), dtype=np.int64)
    fold_f1: dict[str, list[float]] = {code: [] for code in UMSAB_LANGUAGES.values()}
    started = time.perf_counter()
    for i, (train, test) in enumerate(splitter.split(np.zeros(len(strata)), strata)):
        say(f"sentiment CV: fold {i + 1}/{folds}")
        in_train = np.zeros(len(data.texts), dtype=bool)
        in_train[originals[train]] = True
        model = fit_sentiment(data.subset(np.flatnonzero(in_train[data.source])), use_embeddings)
        probabilities = model.predict_proba(
            [data.texts[j] for j in originals[test]], languages[test].tolist()
        )
        predicted[test] = probabilities.argmax(axis=1)
        for code in fold_f1:
            mask = languages[test] == code
            fold_f1[code].append(_macro_f1(labels[test][mask], predicted[test][mask]))
    return CrossValidation(
        folds=folds,
        seed=seed,
        macro_f1={
            code: _macro_f1(labels[languages == code], predicted[languages == code])
            for code in fold_f1
        },
        fold_macro_f1=fold_f1,
        seconds=time.perf_counter() - started,
    )


def format_cross_validation(cv: CrossValidation) -> str:
    lines = [
        f"Sentiment: {cv.folds}-fold CV on the UMSAB train splits (seed {cv.seed}), macro-F1",
        f"  {'lang':<5} {'out-of-fold':>11} {'fold min':>9} {'fold max':>9}",
    ]
    for code, f1 in cv.macro_f1.items():
        per_fold = cv.fold_macro_f1[code]
        lines.append(f"  {code:<5} {f1:>11.3f} {min(per_fold):>9.3f} {max(per_fold):>9.3f}")
    lines.append(f"  {'mean':<5} {statistics.mean(cv.macro_f1.values()):>11.3f}")
    lines.append(f"  ({cv.seconds:.0f}s)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m models.triage.evaluation cv`: sentiment CV on train (never reads val)."""
    parser = argparse.ArgumentParser(prog="python -m models.triage.evaluation")
    parser.add_argument("command", choices=["cv"])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--folds", type=int, default=CV_FOLDS)
    parser.add_argument("--seed", type=int, default=CV_SEED)
    parser.add_argument(
        "--no-translations",
        action="store_true",
        help="leave out the machine-translated tweets (to compare with and without)",
    )
    parser.add_argument(
        "--no-lexicons",
        action="store_true",
        help="leave out the translated-lexicon features (to compare with and without)",
    )
    parser.add_argument(
        "--no-embeddings",
        action="store_true",
        help="leave out the sentence-embedding model (to compare with and without)",
    )
    args = parser.parse_args(argv)
    cv = sentiment_cross_validation(
        args.data,
        folds=args.folds,
        seed=args.seed,
        log=lambda m: print(f"[triage] {m}", file=sys.stderr, flush=True),
        use_translations=USE_TRANSLATIONS and not args.no_translations,
        use_lexicons=USE_TRANSLATED_LEXICONS and not args.no_lexicons,
        use_embeddings=USE_SENTENCE_EMBEDDINGS and not args.no_embeddings,
    )
    print(format_cross_validation(cv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
