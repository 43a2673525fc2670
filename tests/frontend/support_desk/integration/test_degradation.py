"""Each upstream service stopped in turn: the desk degrades as designed and never
answers 5xx. Translation down: the reply in the store's default language, flagged.
Triage down: the human queue. Returns down: "we will review your return", queued."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.returns_decision.server import SPEC as RETURNS
from services.returns_decision.settings import ReturnsSettings
from services.translation.server import SPEC as TRANSLATION
from services.translation.settings import TranslationSettings
from services.triage.server import SPEC as TRIAGE
from services.triage.settings import TriageSettings
from tests.frontend.support_desk.harness import DeskThread, desk_settings, running_desk
from tests.integration.api.servers import Servers
from tests.integration.harness import REPO, ServerThread

pytestmark = pytest.mark.slow

SPANISH_RETURN = "Hola, quiero devolver la camisa que compré, me queda pequeña."
FRENCH_ANGRY = (
    "Ma commande de 1280 dollars n'est jamais arrivée ! C'est inadmissible, "
    "je vais contacter mon avocat et porter plainte."
)
PAGES = ("/", "/console", "/dashboard", "/chat?customer=cust-es-1", "/healthz", "/metrics")


@dataclass
class Running:
    servers: dict[str, ServerThread]
    settings: dict[str, object]
    specs: dict[str, object]

    def stop(self, name: str) -> None:
        self.servers[name].stop()

    def restart(self, name: str, desk: DeskThread) -> None:
        old = self.servers[name]
        settings = self.settings[name].model_copy(update={"port": old.port})  # type: ignore[attr-defined]
        self.servers[name] = ServerThread(self.specs[name], settings)  # type: ignore[arg-type]
        upstream = {"returns": "returns_decision"}.get(name, name)
        deadline = time.monotonic() + 30
        while not desk.client.get("/healthz").json()["upstreams"][upstream]:
            assert time.monotonic() < deadline, f"{name} did not come back"
            time.sleep(0.2)


@pytest.fixture(scope="module")
def running(returns_model_registry: Path, triage_model_dir: Path) -> Iterator[Running]:
    settings: dict[str, object] = {
        "returns": ReturnsSettings(
            port=0,
            metrics_port=0,
            policies_dir=REPO / "policies",
            models_registry=returns_model_registry,
        ),
        "triage": TriageSettings(port=0, metrics_port=0, model_dir=triage_model_dir),
        "translation": TranslationSettings(port=0, metrics_port=0),
    }
    specs: dict[str, object] = {"returns": RETURNS, "triage": TRIAGE, "translation": TRANSLATION}
    servers = {name: ServerThread(specs[name], s) for name, s in settings.items()}  # type: ignore[arg-type]
    state = Running(servers, settings, specs)
    try:
        yield state
    finally:
        for server in state.servers.values():
            if server.loop.is_running():
                server.stop()


@pytest.fixture(scope="module")
def desk(running: Running, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeskThread]:
    s = running.servers
    settings = desk_settings(
        Servers(s["returns"], s["triage"], s["translation"]),
        tmp_path_factory.mktemp("degraded") / "desk.db",
        message_deadline_seconds=10.0,
    )
    with running_desk(settings) as started:
        started.wait_warm()
        yield started


def _no_error_pages(desk: DeskThread) -> None:
    for page in PAGES:
        assert desk.client.get(page).status_code == 200, page


def test_without_translation_the_reply_is_in_the_default_language_and_flagged(
    desk: DeskThread, running: Running
) -> None:
    running.stop("translation")
    try:
        answer = desk.post("cust-es-1", SPANISH_RETURN)
        assert answer["reply"]["language"] == "en"
        assert "translation" in answer["degraded"]
        assert answer["handled_by"] == "automation"  # triage and returns still answer
        assert "size L" in answer["reply"]["text"]
        escalated = desk.post("cust-fr-1", FRENCH_ANGRY)
        assert escalated["handled_by"] == "human"
        assert escalated["reply"]["language"] == "en"
        english = desk.post("cust-en-1", "Where is my parcel?")
        assert english["degraded"] == ["translation"]  # detection is translation's too
        assert "Louisville" in english["reply"]["text"]
        _no_error_pages(desk)
        assert desk.client.get("/healthz").json()["upstreams"]["translation"] is False
    finally:
        running.restart("translation", desk)


def test_without_triage_every_message_goes_to_the_human_queue(
    desk: DeskThread, running: Running
) -> None:
    running.stop("triage")
    try:
        answer = desk.post("cust-en-2", "Where is my parcel?")
        assert answer["handled_by"] == "human"
        assert answer["intent"] is None
        assert answer["priority"] is None
        assert answer["degraded"] == ["triage"]
        ticket = desk.conversation(answer["conversation_id"])["ticket"]
        assert ticket is not None
        assert "triage_unavailable" in ticket["reasons"]
        spanish = desk.post("cust-it-1", "Vorrei sapere dove si trova il mio pacco, per favore.")
        assert spanish["handled_by"] == "human"
        assert spanish["reply"]["language"] == "it"  # detection still works
        _no_error_pages(desk)
    finally:
        running.restart("triage", desk)


def test_without_returns_decision_the_return_is_promised_a_review_and_queued(
    desk: DeskThread, running: Running
) -> None:
    running.stop("returns")
    answer = desk.post("cust-pt-1", "Quero devolver a camisa, é muito grande.")
    assert answer["handled_by"] == "human"
    assert answer["degraded"] == ["returns_decision"]
    assert answer["reply"]["language"] == "pt"
    conversation = desk.conversation(answer["conversation_id"])
    assert "review your return" in conversation["messages"][1]["translation"]
    ticket = conversation["ticket"]
    assert ticket["queue"] == "returns"
    assert "returns_unavailable" in ticket["reasons"]
    _no_error_pages(desk)
    metrics = desk.client.get("/metrics").text
    assert 'support_desk_degraded_total{service="returns_decision"}' in metrics
    assert 'code="UNAVAILABLE"' in metrics
