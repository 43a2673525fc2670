"""Small triage models trained once per test session in a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.triage.engines.bundle import TriageEngines

TINY_EXAMPLES_PER_CLASS = 80
"""Tweets per language / Bitext examples per intent: enough to learn, a few seconds to fit."""


@pytest.fixture(scope="session")
def tiny_model_dir(triage_model_dir: Path) -> Path:
    return triage_model_dir


@pytest.fixture(scope="session")
def tiny_examples_per_class() -> int:
    return TINY_EXAMPLES_PER_CLASS


@pytest.fixture(scope="session")
def engines(tiny_model_dir: Path) -> TriageEngines:
    return TriageEngines.load(tiny_model_dir)
