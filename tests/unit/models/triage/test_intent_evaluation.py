"""Per-language intent figures on team-written sets, and temperature fitting."""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path

import numpy as np

from models.triage.datasets import DEFAULT_DATA_DIR, IntentExamples
from models.triage.intent_evaluation import (
    evaluate_intent_set,
    format_intent_set,
    format_sweep,
    score_by_language,
    threshold_sweep,
)
from models.triage.training import fit_temperature
from services.triage.core.intents import Intent
from services.triage.engines.bundle import TriageEngines
from services.triage.engines.intent_model import calibrate

S, C, R = Intent.ORDER_STATUS, Intent.CANCEL_ORDER, Intent.OTHER


def test_scores_by_language_on_a_fixed_set() -> None:
    examples = IntentExamples(
        texts=["a", "b", "c", "d", "e", "f", "g"],
        intents=[S, S, C, R, S, C, R],
        languages=["de", "de", "de", "de", "en", "en", "en"],
    )
    predicted = [S, C, C, S, S, C, R]
    en, de = score_by_language(examples, predicted)  # en first: the supported order
    assert (en.language, en.n, en.macro_f1, en.in_scope_accuracy, en.other_rate) == (
        "en", 3, 1.0, 1.0, 1.0,
    )  # fmt: skip
    assert (de.language, de.n, de.in_scope_n, de.out_of_scope_n) == ("de", 4, 3, 1)
    assert de.other_rate == 0.0
    assert math.isclose(de.in_scope_accuracy, 2 / 3)
    # order_status: P 1/2 R 1/2; cancel_order: P 1/2 R 1; other: F1 0.
    assert math.isclose(de.macro_f1, (0.5 + 2 / 3 + 0.0) / 3)


def _write_set(data_dir: Path, name: str, rows: list[tuple[str, Intent, str]]) -> None:
    for language in {lang for _, _, lang in rows}:
        path = data_dir / name / f"{language}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["text", "intent", "language"])
            writer.writerows((t, i.value, lang) for t, i, lang in rows if lang == language)


def test_report_prints_each_language_with_how_the_set_was_made(
    triage_model_dir: Path, tmp_path: Path
) -> None:
    engines = TriageEngines.load(triage_model_dir)
    (tmp_path / "intents").mkdir()
    clinc = "clinc150_out_of_scope_train_val.json"
    shutil.copy(DEFAULT_DATA_DIR / "intents" / clinc, tmp_path / "intents" / clinc)
    _write_set(
        tmp_path,
        "intents_eval",
        [
            ("I want to cancel my order", C, "en"),
            ("how tall is the eiffel tower", R, "en"),
            ("ich möchte meine Bestellung stornieren", C, "de"),
            ("wie spät ist es in Rom", R, "de"),
        ],
    )
    report = evaluate_intent_set(engines, tmp_path, "intents_eval")
    assert [s.language for s in report.languages] == ["en", "de"]
    assert all(s.n == 2 and s.out_of_scope_n == 1 for s in report.languages)
    assert report.clinc_oos_n == 100
    assert report.min_confidence == engines.intent.min_confidence
    text = format_intent_set(report)
    assert "team-written in each language for evaluation" in text
    assert "CLINC oos_val" in text
    assert [line.split()[0] for line in text.splitlines()[2:4]] == ["en", "de"]

    sweep = threshold_sweep(engines, tmp_path, "intents_eval", thresholds=(0.0, 1.01))
    (_, lenient), (_, everything_other) = sweep
    assert all(s.other_rate == 1.0 and s.in_scope_accuracy == 0.0 for s in everything_other)
    assert lenient[0].in_scope_accuracy == 1.0  # "cancel my order" is in every training set
    assert "1.01" in format_sweep("intents_eval", sweep)


def test_fit_temperature_recovers_the_true_one() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=2.0, size=(4000, 5))
    truth = calibrate(np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True), 1.0)
    gold = np.array([rng.choice(5, p=row) for row in truth])
    overconfident = calibrate(truth, 0.5)  # truth ** 2, renormalised
    assert abs(fit_temperature(overconfident, gold) - 2.0) < 0.15
    assert abs(fit_temperature(truth, gold) - 1.0) < 0.08
