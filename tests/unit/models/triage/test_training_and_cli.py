"""Training and the `python -m models.triage` command line, on the session's tiny models."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.triage.__main__ import main
from models.triage.evaluation import evaluate, format_report
from models.triage.training import ensure_artifacts
from services.common.paths import REPO_ROOT


@pytest.mark.slow
def test_training_is_deterministic_across_processes(tmp_path: Path, triage_model_dir: Path) -> None:
    # Two fresh processes with different hash seeds: set and dict orders must not leak
    # into the files. (Not compared with the in-process fixture: earlier tests in the same
    # process may change BLAS/OpenMP thread settings, which is not what this checks.)
    code = (
        "import sys; from pathlib import Path; from models.triage.training import train_all; "
        "train_all(Path(sys.argv[1]), max_examples_per_class=int(sys.argv[2]))"
    )
    # As many examples as the session's tiny models, which the manifest records.
    manifest = json.loads((triage_model_dir / "manifest.json").read_text())
    examples_per_class = str(manifest["info"]["max_examples_per_class"])
    digests = []
    for seed in ("1", "12345"):
        out = tmp_path / seed
        subprocess.run(
            [sys.executable, "-c", code, str(out), examples_per_class],
            check=True,
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        digests.append(
            {
                name: hashlib.sha256((out / name).read_bytes()).hexdigest()
                for name in ("intent.joblib", "sentiment.joblib", "manifest.json")
            }
        )
    assert digests[0] == digests[1]


def test_eval_reports_every_figure(triage_model_dir: Path) -> None:
    report = evaluate(triage_model_dir)
    assert [s.language for s in report.sentiment] == ["en", "es", "fr", "pt", "it", "de"]
    # Tiny models: only check they are real figures, the full model is judged by `eval`.
    assert all(0.3 < s.macro_f1 <= 1.0 for s in report.sentiment)
    assert 0.0 <= report.oos_other_share <= 1.0
    text = format_report(report)
    assert "VADER" in text
    assert "oos_val" in text
    # The flags' lexicon on the labelled set, whatever the models.
    assert report.flags is not None
    assert report.flags.messages["all"] >= 180
    assert "Flags: lexicon rules on data/triage/flags_eval" in text
    assert "  all   public_shaming " in text


def test_cli_help_and_missing_artifacts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    assert "train" in capsys.readouterr().out
    assert main(["eval", "--model-dir", str(tmp_path)]) == 2
    assert "python -m models.triage train" in capsys.readouterr().err


def test_ensure_artifacts_keeps_existing_ones(triage_model_dir: Path) -> None:
    assert ensure_artifacts(triage_model_dir) is False
