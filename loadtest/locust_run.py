"""Running Locust headless as its own process (`python -m locust -f loadtest/locustfile.py`):
importing locust patches the standard library with gevent, which must never happen in
the harness's process or in a test's. The settings its users need go to it as one JSON
environment variable, read back by `UserConfig.from_env` in the locustfile."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from services.common.paths import REPO_ROOT

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
CONFIG_VARIABLE = "LOADTEST_USER_CONFIG"
# The harness's part name -> the locustfile's User class that drives it.
USER_CLASSES = {
    "returns": "ReturnsUser",
    "triage": "TriageUser",
    "translation": "TranslationUser",
    "desk": "DeskUser",
}


@dataclass(frozen=True)
class UserConfig:
    """What the Locust users need: where each part is (host:port, or the desk's URL),
    the seed, each user's pace (calls per second, None for back to back), the per-call
    timeout, and where to write each call's latency and status."""

    targets: dict[str, str] = field(default_factory=dict)
    seed: int = 0
    user_rate: float | None = None
    timeout: float = 10.0
    calls_file: str | None = None

    def to_env(self) -> dict[str, str]:
        return {CONFIG_VARIABLE: json.dumps(asdict(self))}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> UserConfig:
        raw = environ.get(CONFIG_VARIABLE)
        return cls(**json.loads(raw)) if raw else cls()


def command(
    *, users: int, spawn_rate: float, seconds: int, out_dir: Path, stop_timeout: int
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        f"{spawn_rate:g}",
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        str(stop_timeout),
        "--csv",
        str(out_dir / "locust"),
        "--html",
        str(out_dir / "report.html"),
        # Failed calls are judged by the harness's gates, not by Locust's exit code.
        "--exit-code-on-error",
        "0",
    ]


def run(
    config: UserConfig,
    *,
    users: int,
    spawn_rate: float,
    seconds: int,
    out_dir: Path,
) -> int:
    """Run Locust with the users of `config.targets` until it is done; its progress goes
    to this process's stdout and stderr. Returns Locust's exit code."""
    stop_timeout = int(config.timeout) + 1  # calls under way finish, within their deadline
    argv = command(
        users=users,
        spawn_rate=spawn_rate,
        seconds=seconds,
        out_dir=out_dir,
        stop_timeout=stop_timeout,
    )
    classes = [USER_CLASSES[part] for part in USER_CLASSES if part in config.targets]
    env = {
        **os.environ,
        **config.to_env(),
        # The locustfile imports loadtest.*; Locust puts only loadtest/ on the path.
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p
        ),
    }
    try:
        done = subprocess.run(
            [*argv, *classes],
            cwd=REPO_ROOT,
            env=env,
            check=False,
            timeout=seconds + stop_timeout + 120,
        )
    except subprocess.TimeoutExpired:
        return 124
    return done.returncode
