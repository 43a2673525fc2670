"""Where triage's files live by default; kept free of heavy imports so that settings (and
the supervisor, which reads them) do not load the models' libraries."""

from __future__ import annotations

from pathlib import Path

from services.common.paths import VAR_DIR

CONFIG_DIR = Path(__file__).resolve().parent / "config"
"""The data triage ships with: the default configuration and the flag patterns."""

DEFAULT_MODEL_DIR = VAR_DIR / "models" / "triage"
"""Where `python -m models.triage train` writes by default (git-ignored)."""
