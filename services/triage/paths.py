"""Where triage's files live by default; kept free of heavy imports so that settings (and
the supervisor, which reads them) do not load the models' libraries."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL_DIR = REPO_ROOT / "var" / "models" / "triage"
"""Where `python -m models.triage train` writes by default (git-ignored)."""
