"""Loaders for the triage training and evaluation data in data/triage (see SOURCES.md).

Everything reads from the repository's copy, never from outside it, so that a fresh clone
trains and evaluates on its own.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.model_selection import train_test_split  # type: ignore[import-untyped]

from models.triage.intent_mapping import BITEXT_TO_INTENT
from services.common.paths import REPO_ROOT
from services.triage.core.intents import Intent

DEFAULT_DATA_DIR = REPO_ROOT / "data" / "triage"

UMSAB_LANGUAGES: dict[str, str] = {
    "english": "en",
    "spanish": "es",
    "french": "fr",
    "portuguese": "pt",
    "italian": "it",
    "german": "de",
}
"""UMSAB folder name -> ISO 639-1 code."""

BITEXT_SPLIT_SEED = 13
BITEXT_HELDOUT_SHARE = 0.2


@dataclass(frozen=True, slots=True)
class SentimentSplit:
    """Texts of one language and split with labels 0 = negative, 1 = neutral, 2 = positive."""

    language: str
    texts: list[str]
    labels: npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class IntentExamples:
    """Texts with their taxonomy intent (and language, for reporting)."""

    texts: list[str]
    intents: list[Intent]
    languages: list[str]


def _lines(path: Path) -> list[str]:
    # The UMSAB files have no trailing newline and may hold \r inside tweets: split on \n.
    return path.read_text(encoding="utf-8").split("\n")


def load_umsab(data_dir: Path, folder: str, split: str) -> SentimentSplit:
    """One UMSAB split ("train" or "val") of one language folder (e.g. "spanish")."""
    base = data_dir / "umsab" / folder
    texts = _lines(base / f"{split}_text.txt")
    labels = [int(v) for v in _lines(base / f"{split}_labels.txt") if v.strip()]
    if texts and texts[-1] == "" and len(texts) == len(labels) + 1:
        texts.pop()
    if len(texts) != len(labels):
        raise ValueError(f"{base}: {len(texts)} texts but {len(labels)} labels in {split}")
    return SentimentSplit(UMSAB_LANGUAGES[folder], texts, np.asarray(labels, dtype=np.int64))


def _bitext_rows(data_dir: Path) -> list[dict[str, str]]:
    path = data_dir / "intents" / "bitext_customer_support_train.csv"
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_bitext_split(data_dir: Path) -> tuple[IntentExamples, IntentExamples]:
    """Fixed stratified 80/20 split of the Bitext CSV: (train part, held-back part)."""
    rows = _bitext_rows(data_dir)
    train, heldout = train_test_split(
        rows,
        test_size=BITEXT_HELDOUT_SHARE,
        random_state=BITEXT_SPLIT_SEED,
        stratify=[r["intent"] for r in rows],
    )

    def examples(part: list[dict[str, str]]) -> IntentExamples:
        return IntentExamples(
            texts=[r["instruction"] for r in part],
            intents=[BITEXT_TO_INTENT[r["intent"]] for r in part],
            languages=["en"] * len(part),
        )

    return examples(train), examples(heldout)


def load_team_intents(data_dir: Path, name: str = "team_written_intents.csv") -> IntentExamples:
    """Team-written examples (text, intent, language) for intents Bitext lacks and non-English."""
    with (data_dir / "intents" / name).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return IntentExamples(
        texts=[r["text"] for r in rows],
        intents=[Intent(r["intent"]) for r in rows],
        languages=[r["language"] for r in rows],
    )


INTENT_SET_LANGUAGES = ("en", "es", "fr", "pt", "it", "de")


def load_intent_set(data_dir: Path, name: str) -> IntentExamples:
    """A team-written multilingual intent set, `intents_dev` or `intents_eval`: one CSV a
    language (text, intent, language), out-of-scope messages labelled "other"."""
    texts: list[str] = []
    intents: list[Intent] = []
    languages: list[str] = []
    for code in INTENT_SET_LANGUAGES:
        path = data_dir / name / f"{code}.csv"
        if not path.is_file():
            continue
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                texts.append(row["text"])
                intents.append(Intent(row["intent"]))
                languages.append(row["language"])
    return IntentExamples(texts, intents, languages)


def load_clinc_oos(data_dir: Path) -> tuple[list[str], list[str]]:
    """CLINC150 out-of-scope queries: (oos_train, oos_val)."""
    path = data_dir / "intents" / "clinc150_out_of_scope_train_val.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return [str(x[0]) for x in data["oos_train"]], [str(x[0]) for x in data["oos_val"]]


def load_vader_ratings(data_dir: Path) -> tuple[list[str], npt.NDArray[np.float64]]:
    """English tweets and Amazon snippets with their mean human rating (-4..+4)."""
    texts: list[str] = []
    ratings: list[float] = []
    folder = data_dir / "vader_ground_truth"
    for name in ("tweets_GroundTruth.txt", "amazonReviewSnippets_GroundTruth.txt"):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            parts = line.split("\t", 2)
            if len(parts) == 3:
                texts.append(parts[2])
                ratings.append(float(parts[1]))
    return texts, np.asarray(ratings, dtype=np.float64)


def load_vader_ground_truth(data_dir: Path) -> SentimentSplit:
    """English tweets and Amazon snippets rated -4..+4 by 20+ people, as three classes.

    Clear ratings only: <= -1 negative, >= +1 positive, |rating| <= 0.4 neutral; the ones
    in between are left out rather than forced into a class.
    """
    texts: list[str] = []
    labels: list[int] = []
    for text, rating in zip(*load_vader_ratings(data_dir), strict=True):
        if rating <= -1.0:
            labels.append(0)
        elif rating >= 1.0:
            labels.append(2)
        elif abs(rating) <= 0.4:
            labels.append(1)
        else:
            continue
        texts.append(text)
    return SentimentSplit("en", texts, np.asarray(labels, dtype=np.int64))
