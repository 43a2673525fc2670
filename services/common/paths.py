"""Where the project's files are: the repository root, and `var/` beside it for what is
built or written at run time (models, build output, the support desk's database).
Kept free of heavy imports so that settings and supervisors can read it."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
VAR_DIR = REPO_ROOT / "var"
