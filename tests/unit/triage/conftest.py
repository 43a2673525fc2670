"""The triage engines, loaded once per session from the tiny models `triage_model_dir`
(tests/conftest.py) trains."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.triage.engines.bundle import TriageEngines


@pytest.fixture(scope="session")
def engines(triage_model_dir: Path) -> TriageEngines:
    return TriageEngines.load(triage_model_dir)
