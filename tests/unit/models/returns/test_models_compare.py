"""Champion / challenger: `python -m models compare` on tiny models in a temporary registry."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import numpy as np
import pytest

from models.returns import bootstrap, metrics
from models.returns.cli import main
from models.returns.compare import CompareError, compare, comparison_rows
from services.returns_decision.engines.risk.artifact import read_metadata

TINY = ["--rows", "6000", "--seed", "3"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def shuffled_labels(source: Path, target: Path, column: str = "is_fraud") -> None:
    """The same rows with the labels shuffled: a model trained on it learns nothing."""
    with source.open(newline="") as handle:
        header, *rows = list(csv.reader(handle))
    i = header.index(column)
    labels = [r[i] for r in rows]
    random.Random(1).shuffle(labels)
    for row, label in zip(rows, labels, strict=True):
        row[i] = label
    with target.open("w", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A training table, its label-shuffled twin, and a fresh table neither trains on."""
    root = tmp_path_factory.mktemp("tables")
    out = {name: root / f"{name}.csv" for name in ("train", "shuffled", "fresh")}
    assert main(["synth", "--out", str(out["train"]), "--rows", "6000", "--seed", "3"]) == 0
    assert main(["synth", "--out", str(out["fresh"]), "--rows", "6000", "--seed", "77"]) == 0
    shuffled_labels(out["train"], out["shuffled"])
    return out


def test_weighted_metrics_equal_metrics_on_the_resampled_rows() -> None:
    rng = np.random.default_rng(4)
    n = 400
    scores = np.round(rng.random(n), 2)  # ties on purpose
    labels = (rng.random(n) < 0.2 + 0.5 * scores).astype(np.int8)
    counts = next(bootstrap.resample_counts(n, 5, seed=1))
    auc = bootstrap.roc_auc(scores, labels)(counts)
    ap = bootstrap.average_precision(scores, labels)(counts)
    br = bootstrap.brier(scores, labels)(counts)
    prec = bootstrap.precision_at(scores, labels, 0.5)(counts)
    rec = bootstrap.recall_at(scores, labels, 0.5)(counts)
    for k in range(len(counts)):
        index = np.repeat(np.arange(n), counts[k].astype(int))
        s, y = scores[index], labels[index]
        assert auc[k] == pytest.approx(metrics.roc_auc(s, y), abs=1e-12)
        assert ap[k] == pytest.approx(metrics.average_precision(s, y), abs=1e-12)
        assert br[k] == pytest.approx(metrics.brier(s, y), abs=1e-12)
        p, r, _ = metrics.precision_recall_at(s, y, 0.5)
        assert prec[k] == pytest.approx(p, abs=1e-12)
        assert rec[k] == pytest.approx(r, abs=1e-12)
    # ECE with unit weights: the reliability curve's bins, weighted gaps.
    curve = metrics.reliability_curve(scores, labels)
    expected = float((curve.count / n * np.abs(curve.mean_predicted - curve.observed_rate)).sum())
    ece = bootstrap.expected_calibration_error(scores, labels)(np.ones((1, n)))[0]
    assert ece == pytest.approx(expected, abs=1e-12)


def test_identical_versions_differ_by_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reg = ["--registry", str(tmp_path)]
    _, out, _ = run(capsys, *reg, "train", "fraud", *TINY, "--no-report")
    version = out.strip()
    report = compare(tmp_path, "returns_fraud", version, version, resamples=200)
    assert report["rows"]["kind"] == "test_split"
    assert report["rows"]["count"] == 900
    for row in [*report["metrics"], *report["band_metrics"]]:
        if row["a"] is None:
            continue  # a band that flags nothing has no precision
        assert row["difference"] == 0.0
        assert row["difference_ci"]["low"] <= 0.0 <= row["difference_ci"]["high"]
        assert row["a_ci"]["low"] <= row["a"] <= row["a_ci"]["high"]
    assert report["decisions"]["changed"] == 0
    crosstab = report["decisions"]["crosstab"]
    assert sum(crosstab[b][b] for b in crosstab) == 900


def test_a_better_model_wins_with_an_interval_that_excludes_zero(
    tmp_path: Path, tables: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    reg = ["--registry", str(tmp_path)]
    _, out, _ = run(
        capsys, *reg, "train", "fraud", "--data", str(tables["shuffled"]), "--no-report"
    )
    worse = out.strip()
    _, out, _ = run(capsys, *reg, "train", "fraud", "--data", str(tables["train"]), "--no-report")
    better = out.strip()
    report_file = tmp_path / "report.json"
    code, out, err = run(
        capsys,
        *reg,
        "compare",
        "fraud",
        worse,
        better,
        "--data",
        str(tables["fresh"]),
        "--json",
        str(report_file),
    )
    assert code == 0
    assert "bootstrap: 1000/1000 resamples" in err  # progress on stderr, not stdout
    assert "bootstrap:" not in out
    roc_line = next(line for line in out.splitlines() if line.startswith("roc_auc"))
    assert roc_line.endswith("B better")
    report = json.loads(report_file.read_text())
    assert report["rows"] == {
        "description": f"{tables['fresh']}: all 6000 rows",
        "kind": "table",
        "count": 6000,
        "positives": report["rows"]["positives"],
    }
    assert report["bootstrap"]["resamples"] == 1000
    auc = report["metrics"][0]
    assert auc["metric"] == "roc_auc"
    assert auc["a"] < 0.6 < 0.8 < auc["b"]
    assert auc["difference_ci"]["low"] > 0.1
    names = [r["metric"] for r in report["metrics"] + report["band_metrics"]]
    assert names[:4] == ["roc_auc", "pr_auc", "brier", "ece"]
    assert "CRITICAL precision" in names
    assert "MEDIUM recall" in names
    assert len(report["reliability"]["a"]) == len(report["reliability"]["b"]) == 10
    decisions = report["decisions"]
    crosstab = decisions["crosstab"]
    assert sum(sum(row.values()) for row in crosstab.values()) == 6000
    off_diagonal = sum(n for a, row in crosstab.items() for b, n in row.items() if a != b)
    assert decisions["changed"] == off_diagonal > 0
    gaps = [abs(t["b"]["probability"] - t["a"]["probability"]) for t in decisions["top"]]
    assert len(gaps) == 10
    assert gaps == sorted(gaps, reverse=True)
    assert all(t["a"]["band"] != t["b"]["band"] for t in decisions["top"])
    # The same seed gives the same intervals.
    _, again, _ = run(
        capsys, *reg, "compare", "fraud", worse, better, "--data", str(tables["fresh"])
    )
    assert again == out


def test_default_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reg = ["--registry", str(tmp_path)]
    table = tmp_path / "returns.csv"
    assert main(["synth", "--out", str(table), "--rows", "6000", "--seed", "8"]) == 0
    versions = []
    for extra in (["--seed", "3"], ["--seed", "4"], ["--data", str(table)]):
        _, out, _ = run(capsys, *reg, "train", "fraud", "--rows", "6000", *extra, "--no-report")
        versions.append(out.strip())
    seed3, seed4, from_file = (read_metadata(tmp_path / "returns_fraud" / v) for v in versions)
    fresh = comparison_rows("fraud", seed3, seed4)
    assert fresh.kind == "fresh_synthetic"
    assert "seed=5" in fresh.description  # a seed neither trained on
    assert len(fresh.labels) == 900
    shared = comparison_rows("fraud", from_file, from_file)
    assert shared.kind == "test_split"
    assert len(shared.labels) == 900
    assert np.array_equal(shared.labels, from_file_test_labels(table))
    with pytest.raises(CompareError, match="pass --data"):
        comparison_rows("fraud", seed3, from_file)
    code, _, err = run(capsys, *reg, "compare", "fraud", versions[0], versions[2])
    assert code == 2
    assert "pass --data" in err
    # A table that changed since training is not passed off as its test split.
    header, _first, *rest = table.read_text().splitlines()
    table.write_text("\n".join([header, *rest]) + "\n")
    with pytest.raises(CompareError, match="no longer matches"):
        comparison_rows("fraud", from_file, from_file)
    table.unlink()
    with pytest.raises(CompareError, match="gone"):
        comparison_rows("fraud", from_file, from_file)


def from_file_test_labels(table: Path) -> np.ndarray:
    """The newest 15 % of the table's rows by date, as training splits them."""
    from models.returns import dataset

    data = dataset.load(table, tasks=("fraud",))
    return data.labels["fraud"][-900:]
