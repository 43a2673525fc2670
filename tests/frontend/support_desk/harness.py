"""The desk served by uvicorn in a background thread on port 0, against real services."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from frontend.support_desk.server import bind, make_server, url
from frontend.support_desk.settings import DeskSettings
from tests.integration.api.servers import Servers
from tests.integration.harness import ServerThread

TENANT = "northwind-apparel"


def desk_settings(servers: Servers | None, database: Path, **overrides: Any) -> DeskSettings:
    """Settings for a desk on port 0 against the given services (or closed ports)."""
    targets = (
        {
            "returns_target": servers.returns.target,
            "triage_target": servers.triage.target,
            "translation_target": servers.translation.target,
        }
        if servers is not None
        else {
            "returns_target": "127.0.0.1:9",
            "triage_target": "127.0.0.1:9",
            "translation_target": "127.0.0.1:9",
        }
    )
    fields: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "database_url": f"sqlite:///{database}",
        # Generous: the first call into a language starts Apertium pipelines, and the
        # machine is shared; the budget's split is tested on its own.
        "message_deadline_seconds": 30.0,
        **targets,
        **overrides,
    }
    return DeskSettings(**fields)


class DeskThread:
    """A running desk; `url` is where it answers."""

    def __init__(self, settings: DeskSettings) -> None:
        self.sock = bind(settings.host, settings.port)
        self.url = url(self.sock, settings.host)
        self.server = make_server(settings, self.sock)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the desk did not start")
            time.sleep(0.02)
        self.client = httpx.Client(base_url=self.url, timeout=60)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server.serve(sockets=[self.sock]))

    def wait_warm(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.client.get("/healthz").json()["warmed_up"]:
                return
            time.sleep(0.2)
        raise AssertionError("the desk's translation warm-up did not finish")

    def post(self, customer: str, text: str, conversation: str | None = None, **extra: Any) -> Any:
        body = {"tenant_id": TENANT, "customer_id": customer, "channel": "chat", "text": text}
        if conversation:
            body["conversation_id"] = conversation
        body.update(extra)
        reply = self.client.post("/api/v1/messages", json=body)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def conversation(self, conversation_id: str) -> Any:
        reply = self.client.get(f"/api/v1/conversations/{conversation_id}")
        assert reply.status_code == 200, reply.text
        return reply.json()

    def stop(self) -> None:
        self.client.close()
        self.server.should_exit = True
        self._thread.join(30)
        self.loop.close()
        self.sock.close()


@contextmanager
def running_desk(settings: DeskSettings) -> Iterator[DeskThread]:
    desk = DeskThread(settings)
    try:
        yield desk
    finally:
        desk.stop()


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of a Prometheus text page (0 when absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    total = 0.0
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        head, _, value = line.rpartition(" ")
        sample, _, label_text = head.partition("{")
        if sample != name:
            continue
        got = ",".join(sorted(p for p in label_text.rstrip("}").split(",") if p))
        if all(f'{k}="{v}"' in got.split(",") for k, v in labels.items()) or want == got:
            total += float(value)
    return total


def restart(thread: ServerThread, spec: Any, settings: Any) -> ServerThread:
    """Start a stopped service again on its port."""
    return ServerThread(spec, settings.model_copy(update={"port": thread.port}))
