from __future__ import annotations

from collections import Counter

from models.triage.datasets import (
    DEFAULT_DATA_DIR,
    UMSAB_LANGUAGES,
    load_bitext_split,
    load_clinc_oos,
    load_team_intents,
    load_umsab,
)
from models.triage.intent_mapping import BITEXT_TO_INTENT
from services.triage.core.intents import Intent


def test_umsab_splits_load_with_balanced_labels() -> None:
    for folder in UMSAB_LANGUAGES:
        for split, n in (("train", 1839), ("val", 324)):
            data = load_umsab(DEFAULT_DATA_DIR, folder, split)
            assert len(data.texts) == n
            assert sorted(Counter(data.labels.tolist())) == [0, 1, 2]


def test_bitext_split_is_fixed_disjoint_and_stratified() -> None:
    train, heldout = load_bitext_split(DEFAULT_DATA_DIR)
    again_train, again_heldout = load_bitext_split(DEFAULT_DATA_DIR)
    assert (train.texts, heldout.texts) == (again_train.texts, again_heldout.texts)
    assert len(heldout.texts) == round(0.2 * (len(train.texts) + len(heldout.texts)))
    assert set(train.intents) == set(heldout.intents)


def test_every_intent_has_training_examples() -> None:
    team = load_team_intents(DEFAULT_DATA_DIR)
    oos_train, oos_val = load_clinc_oos(DEFAULT_DATA_DIR)
    covered = set(BITEXT_TO_INTENT.values()) | set(team.intents) | {Intent.OTHER}
    assert covered == set(Intent)
    assert not set(oos_train) & set(oos_val)
    assert set(team.languages) == {"en", "es", "fr", "pt", "it", "de"}


def test_check_set_is_not_in_the_training_examples() -> None:
    team = load_team_intents(DEFAULT_DATA_DIR)
    check = load_team_intents(DEFAULT_DATA_DIR, "team_written_intents_check.csv")
    assert not set(team.texts) & set(check.texts)
