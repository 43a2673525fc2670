"""The harness's options and its hand-over to Locust, without running either; and that
nothing but the locustfile imports Locust (it patches the standard library)."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from loadtest import cli, locust_run
from services.common.paths import REPO_ROOT


def test_seconds_come_from_the_flag_then_loadtest_seconds_then_sixty(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LOADTEST_SECONDS", raising=False)
    assert cli._seconds_default() == 60
    monkeypatch.setenv("LOADTEST_SECONDS", "15")
    assert cli._seconds_default() == 15
    monkeypatch.setenv("LOADTEST_SECONDS", "soon")
    with pytest.raises(SystemExit, match="whole number"):
        cli._seconds_default()


def test_only_the_parts_given_are_driven() -> None:
    args = cli.parser().parse_args(["--triage-target", "h:1", "--desk-url", "http://h:2"])
    assert cli._targets(args) == {"triage": "h:1", "desk": "http://h:2"}
    assert cli._targets(cli.parser().parse_args([])) == {}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--users", "3"], "--users must be at least 4"),
        (["--triage-target", "h:1", "--users", "0"], "--users must be at least 1"),
        (["--rate", "0"], "--rate must be positive"),
        (["--overload-in-flight", "0"], "--overload-in-flight must be at least 1"),
        (["--max-error-rate", "5"], "fraction between 0 and 1"),
        (["--only-overload", "--desk-url", "http://h:2"], "needs a gRPC service"),
        (["--overload", "--desk-url", "http://h:2"], "needs a gRPC service"),
    ],
)
def test_bad_options_are_refused_with_the_reason(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--out", str(tmp_path), "--seconds", "5", *argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # nothing started, nothing written


def test_the_user_config_travels_as_one_environment_variable() -> None:
    config = locust_run.UserConfig(
        targets={"returns": "h:1", "desk": "http://h:2"},
        seed=5,
        user_rate=2.5,
        timeout=3.0,
        calls_file="/tmp/calls.json",
    )
    assert locust_run.UserConfig.from_env(config.to_env()) == config
    assert locust_run.UserConfig.from_env({}) == locust_run.UserConfig()


def test_locust_runs_headless_with_csv_html_and_its_own_exit_code_off(tmp_path: Path) -> None:
    argv = locust_run.command(
        users=4, spawn_rate=2.0, seconds=30, out_dir=tmp_path, stop_timeout=11
    )
    assert argv[1:5] == ["-m", "locust", "-f", str(REPO_ROOT / "loadtest" / "locustfile.py")]
    pairs = dict(itertools.pairwise(argv))
    assert "--headless" in argv
    assert pairs["--users"] == "4"
    assert pairs["--spawn-rate"] == "2"
    assert pairs["--run-time"] == "30s"
    assert pairs["--csv"] == str(tmp_path / "locust")
    assert pairs["--html"] == str(tmp_path / "report.html")
    assert pairs["--exit-code-on-error"] == "0"


def test_no_module_but_the_locustfile_imports_locust() -> None:
    modules = [
        f"loadtest.{p.stem}"
        for p in (REPO_ROOT / "loadtest").glob("*.py")
        if p.stem not in {"locustfile", "__main__"}
    ]
    code = (
        f"import sys\nfor m in {modules!r}: __import__(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('locust', 'gevent'))\n"
        "print(bad)\nraise SystemExit(1 if bad else 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
