"""`python -m loadtest` end to end against real services: once starting everything itself
(a short Locust run and a small overload phase), once pointed at a running service with a
gate it cannot meet. The harness runs as a subprocess, as make runs it: Locust patches
the standard library, which must not happen in the test process."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from loadtest import servers
from services.common.paths import REPO_ROOT

pytestmark = pytest.mark.slow

ENDPOINTS = {"DecideReturn", "TriageMessage", "TranslateText", "DetectLanguage"}
DESK = "POST /api/v1/messages"
BAD_REQUEST = {"INVALID_ARGUMENT", "NOT_FOUND", "FAILED_PRECONDITION", "INTERNAL", "422", "404"}


def _loadtest(out: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    done = subprocess.run(
        [sys.executable, "-m", "loadtest", "--out", str(out), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )
    runs = list(out.iterdir())
    assert len(runs) == 1, done.stdout[-3000:] + done.stderr[-3000:]
    return done, runs[0]


def _check_endpoint(name: str, e: dict[str, Any]) -> None:
    assert e["count"] > 0, name
    assert sum(e["statuses"].values()) == e["count"]
    assert e["p50_ms"] <= e["p95_ms"] <= e["p99_ms"] <= e["max_ms"]
    assert e["throughput_rps"] > 0
    # The seeded mixes are valid requests: whatever load does, they are never refused.
    assert not set(e["statuses"]) & BAD_REQUEST, (name, e["statuses"])


def test_a_run_it_starts_itself_reports_every_part_passes_loose_gates_and_overloads(
    tmp_path: Path,
) -> None:
    done, run = _loadtest(
        tmp_path,
        *("--seconds", "3", "--users", "4", "--max-p99-ms", "60000", "--max-error-rate", "1"),
        *("--overload", "--overload-seconds", "2", "--overload-in-flight", "300"),
        *("--capacity-in-flight", "8"),
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-5000:]
    assert "SLO gates passed" in done.stdout
    assert f"summary:  {run / 'summary.json'}" in done.stdout
    assert "Name" in done.stderr + done.stdout  # Locust's own progress tables

    html = (run / "report.html").read_text()
    assert "locust" in html.lower()
    assert "history" in html  # the charts' data
    with (run / "locust_stats.csv").open() as stats:
        names = {row["Name"] for row in csv.DictReader(stats)}
    assert names >= {*ENDPOINTS, DESK, "Aggregated"}

    summary = json.loads((run / "summary.json").read_text())
    assert summary["run"]["started_here"] is True
    assert set(summary["run"]["targets"]) == {"returns", "triage", "translation", "desk"}
    assert set(summary["endpoints"]) == {*ENDPOINTS, DESK}
    for name, endpoint in summary["endpoints"].items():
        _check_endpoint(name, endpoint)
    assert set(summary["endpoints"][DESK]["statuses"]) <= {"200", "503", "CONNECTION_ERROR"}
    assert summary["gates"] == {
        "max_p99_ms": 60000.0,
        "max_error_rate": 1.0,
        "breaches": [],
        "passed": True,
    }
    assert summary["total"]["count"] == sum(e["count"] for e in summary["endpoints"].values())

    overload = summary["overload"]
    assert overload["settings"] == {
        "seconds": 2.0,
        "capacity_in_flight": 8,
        "in_flight": 300,
        "deadline_s": 1.0,
    }
    assert list(overload["rpcs"]) == ["DecideReturn", "TriageMessage", "TranslateText"]
    for rpc, r in overload["rpcs"].items():
        over = r["overload"]
        assert r["capacity"]["in_flight"] == 8
        assert r["capacity_ok_per_s"] > 0, rpc
        assert over["in_flight"] == 300
        assert over["calls"] == sum(over["statuses"].values()) > 0
        parts = (
            over["ok"],
            over["resource_exhausted"],
            over["cancelled_before_deadline"],
            over["deadline_exceeded_or_cancelled"],
        )
        assert sum(parts) + over["other"] == over["calls"]
        shares = (
            "ok_share",
            "resource_exhausted_share",
            "cancelled_before_deadline_share",
            "deadline_exceeded_or_cancelled_share",
        )
        assert sum(r[s] for s in shares) + r["other_share"] == pytest.approx(1.0, abs=1e-5)
        assert r["goodput_ratio"] == pytest.approx(
            r["goodput_ok_per_s"] / r["capacity_ok_per_s"], rel=1e-3, abs=1e-3
        )
        assert isinstance(r["health_after"], str)
        assert r["serving_after"] == (r["health_after"] == "SERVING")
    assert "overload: 300 in flight with 1 s deadlines for 2 s" in done.stdout


def test_a_given_service_alone_is_driven_and_a_breached_gate_exits_1(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    with servers.services(["returns"], workers=1, log_dir=logs) as targets:
        done, run = _loadtest(
            tmp_path / "out",
            *("--returns-target", targets["returns"], "--seconds", "2", "--users", "1"),
            *("--max-p99-ms", "0.001"),
        )
    assert done.returncode == 1, (done.stdout + done.stderr)[-5000:]
    breach = [line for line in done.stdout.splitlines() if line.startswith("SLO breached:")]
    assert len(breach) == 1
    assert breach[0].startswith("SLO breached: DecideReturn: p99 ")
    assert breach[0].endswith("is over the --max-p99-ms limit of 0.001 ms")

    summary = json.loads((run / "summary.json").read_text())
    assert summary["run"]["started_here"] is False
    assert summary["run"]["targets"] == {"returns": targets["returns"]}
    assert set(summary["endpoints"]) == {"DecideReturn"}
    _check_endpoint("DecideReturn", summary["endpoints"]["DecideReturn"])
    assert summary["gates"]["passed"] is False
    assert summary["gates"]["breaches"] == [breach[0].removeprefix("SLO breached: ")]
    assert "overload" not in summary
