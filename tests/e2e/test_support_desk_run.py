"""`python -m frontend.support_desk.run` (what `make run` starts): the three services as
real processes and the desk; one message through the JSON API; one SIGTERM stops all."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 240


def test_run_serves_the_desk_over_the_services_and_sigterm_stops_everything(
    returns_model_registry: Path, triage_model_dir: Path, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "RETURNS_MODELS_REGISTRY": str(returns_model_registry),
        "TRIAGE_MODEL_DIR": str(triage_model_dir),
        "SUPPORT_DESK_PORT": "0",
        "SUPPORT_DESK_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
    }
    for prefix in ("RETURNS_", "TRIAGE_", "TRANSLATION_"):
        env |= {f"{prefix}PORT": "0", f"{prefix}METRICS_PORT": "0", f"{prefix}WORKERS": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "frontend.support_desk.run"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    stdout = process.stdout
    lines: queue.Queue[str] = queue.Queue()

    def forward() -> None:
        for line in stdout:
            lines.put(line)

    reader = threading.Thread(target=forward, daemon=True)
    reader.start()
    try:
        url = None
        while url is None:
            try:
                line = lines.get(timeout=START_SECONDS)
            except queue.Empty:
                pytest.fail(f"no desk URL within {START_SECONDS} s")
            if line.startswith("support desk: http://"):
                url = line.split(": ", 1)[1].strip()
            assert process.poll() is None, "the desk exited early"
        answer = httpx.post(
            f"{url}/api/v1/messages",
            json={
                "tenant_id": "northwind-apparel",
                "customer_id": "cust-en-1",
                "channel": "chat",
                "text": "Where is my parcel?",
            },
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["handled_by"] == "automation"
        assert body["degraded"] == []
        assert "Louisville" in body["reply"]["text"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(90) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(30)
        reader.join(10)
        stdout.close()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/healthz", timeout=2)
