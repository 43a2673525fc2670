"""Benchmark of the support desk's composed flow against its own upstream calls.

The three services run under their supervisors (one worker each) and the desk as its
own process (`python -m frontend.support_desk`), on a fresh store where every demo
customer is cloned so that each message comes from a customer with no earlier contact
(repeated contacts would escalate and change the mix). Messages are a mix of where is
my order (English, Catalan, Italian), returns (Spanish exchange, Portuguese denial) and
an escalation (French legal threat), each a new conversation.

- desk: p50 and p99 of POST /api/v1/messages, serially;
- upstream, interleaved with the desk round by round: each message's RPCs called
  directly through the stubs, one after another, with the requests the desk builds
  (triage with the customer and order context, DecideReturn from the store, on a clone
  of the customer the desk has not written to), each message starting one desk p50
  after the one before; the reply's translation is the whole English reply as one text
  where the desk sends its paragraphs as one batch;
- composition overhead: desk p50 / the sum of the p50s of one message's upstream calls
  (the desk makes some of them concurrently, so it can be below 1).

The pace matters: on this machine a server idle for 10 ms answers an empty call in
about three times its back-to-back time (the runtime bench prints both), so calls
repeated back to back are also shown, as the figure no composition can reach.

Both sides repeat the same texts: the desk's messages and replies are the same in every
round, and each baseline call is repeated. So the translation service's segment cache
answers both after their first call (the desk's warm-up round, the baseline's warm
call); neither side measures Apertium itself. The machine's load average is printed
with the figures: on a shared machine it moves them more than anything the desk does.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import grpc
import httpx
from retail.returns_decision.v1 import returns_decision_pb2_grpc
from retail.translation.v1 import translation_pb2 as translation_pb
from retail.translation.v1 import translation_pb2_grpc
from retail.triage.v1 import triage_pb2_grpc
from sqlalchemy import select

from bench.servers import REPO, supervised
from frontend.support_desk.flow import returns
from frontend.support_desk.flow.desk import build_triage_request
from frontend.support_desk.flow.model import Inbound
from frontend.support_desk.flow.orders import focus_order
from frontend.support_desk.store import demo
from frontend.support_desk.store import models as m
from frontend.support_desk.store.repository import Store

TENANT = demo.TENANT
MIX: list[tuple[str, str, str, bool]] = [  # customer, language, text, is a return
    ("cust-en-1", "en", "Where is my parcel?", False),
    ("cust-ca-1", "ca", "On és el meu paquet? Encara no ha arribat.", False),
    ("cust-it-2", "it", "Dov'è il mio pacco? Non è ancora arrivato.", False),
    ("cust-es-1", "es", "Hola, quiero devolver la camisa que compré, me queda pequeña.", True),
    ("cust-pt-1", "pt", "Quero devolver a camisa, é muito grande.", True),
    (
        "cust-fr-1",
        "fr",
        "Ma commande de 1280 dollars n'est jamais arrivée ! C'est inadmissible, "
        "je vais contacter mon avocat et porter plainte.",
        False,
    ),
]

Calls = dict[str, dict[str, Callable[[], Any]]]  # message kind -> RPC -> call
Stubs = tuple[
    triage_pb2_grpc.TriageServiceStub,
    translation_pb2_grpc.TranslationServiceStub,
    returns_decision_pb2_grpc.ReturnsDecisionServiceStub,
]


def _clone_customers(store: Store, copies: int) -> None:
    """Copy every demo customer (with orders, items, shipments, events) `copies` times."""
    with store.session() as s:
        originals = list(s.scalars(select(m.Customer)))
        for n in range(copies):
            for c in originals:
                twin = m.Customer(
                    tenant_id=c.tenant_id,
                    customer_id=f"{c.customer_id}-{n}",
                    name=c.name,
                    email=f"{n}.{c.email}",
                    language=c.language,
                    country_code=c.country_code,
                    tier=c.tier,
                    tags=list(c.tags),
                    created_at=c.created_at,
                    chargebacks=c.chargebacks,
                )
                s.add(twin)
                for o in c.orders:
                    s.add(
                        m.Order(
                            tenant_id=o.tenant_id,
                            order_id=f"{o.order_id}-{n}",
                            customer=twin,
                            placed_at=o.placed_at,
                            promised_by=o.promised_by,
                            status=o.status,
                            currency=o.currency,
                            total_minor=o.total_minor,
                            shipping_address=o.shipping_address,
                            country_code=o.country_code,
                            items=[
                                m.OrderItem(
                                    line_item_id=i.line_item_id,
                                    sku=i.sku,
                                    product_id=i.product_id,
                                    name=i.name,
                                    product_type=i.product_type,
                                    category=i.category,
                                    size=i.size,
                                    color=i.color,
                                    unit_price_minor=i.unit_price_minor,
                                    unit_cost_minor=i.unit_cost_minor,
                                    quantity=i.quantity,
                                )
                                for i in o.items
                            ],
                            shipments=[
                                m.Shipment(
                                    carrier=sh.carrier,
                                    tracking_number=sh.tracking_number,
                                    status=sh.status,
                                    shipped_at=sh.shipped_at,
                                    delivered_at=sh.delivered_at,
                                    estimated_delivery=sh.estimated_delivery,
                                    events=[
                                        m.TrackingEvent(
                                            occurred_at=e.occurred_at,
                                            status=e.status,
                                            location=e.location,
                                            description=e.description,
                                            exception_code=e.exception_code,
                                        )
                                        for e in sh.events
                                    ],
                                )
                                for sh in o.shipments
                            ],
                        )
                    )


@contextmanager
def _desk(targets: dict[str, str], database: str) -> Iterator[str]:
    env = {
        **os.environ,
        "SUPPORT_DESK_PORT": "0",
        "SUPPORT_DESK_DATABASE_URL": database,
        "SUPPORT_DESK_RETURNS_TARGET": targets["returns"],
        "SUPPORT_DESK_TRIAGE_TARGET": targets["triage"],
        "SUPPORT_DESK_TRANSLATION_TARGET": targets["translation"],
        "SUPPORT_DESK_LOG_LEVEL": "WARNING",  # one log line per message would dominate
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "frontend.support_desk"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("support desk: "):
            raise RuntimeError("the desk did not start")
        url = line.split(": ", 1)[1].strip()
        deadline = time.monotonic() + 120
        while not httpx.get(f"{url}/healthz", timeout=5).json()["warmed_up"]:
            if time.monotonic() > deadline:
                raise RuntimeError("the desk's warm-up did not finish")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(30)


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def run(quick: bool = False) -> list[str]:
    for args in (
        ["models", "build-defaults", "--if-missing"],
        ["models.triage", "train", "--if-missing"],
    ):
        subprocess.run(
            [sys.executable, "-m", *args], cwd=REPO, check=True, stdout=subprocess.DEVNULL
        )
    rounds = 5 if quick else 50  # messages: len(MIX) per round
    database, store = _store(rounds)
    load_before = os.getloadavg()
    with ExitStack() as stack:
        targets = {
            "returns": stack.enter_context(supervised("services.returns_decision", "RETURNS_", 1)),
            "triage": stack.enter_context(supervised("services.triage", "TRIAGE_", 1)),
            "translation": stack.enter_context(
                supervised("services.translation", "TRANSLATION_", 1)
            ),
        }
        url = stack.enter_context(_desk(targets, database))
        client = stack.enter_context(httpx.Client(base_url=url, timeout=60))
        english = _warm_up(client, rounds)
        calls = _calls(_stubs(stack, targets), store, english, rounds)
        desk_samples, paced = _interleaved(client, calls, rounds)
        back_to_back = _back_to_back(calls, max(rounds, 5))
    store.close()
    load = (load_before[0], os.getloadavg()[0])
    return _report(desk_samples, back_to_back, paced, load)


def _store(rounds: int) -> tuple[str, Store]:
    """A fresh store with the demo data, every customer cloned `rounds + 2` times."""
    folder = tempfile.mkdtemp(prefix="bench-desk-")
    database = f"sqlite:///{Path(folder) / 'desk.db'}"
    store = Store(database)
    store.create_schema()
    with store.session() as session:
        demo.seed(session, datetime.now(UTC))
    _clone_customers(store, rounds + 2)  # copy `rounds + 1` stays new for the baseline
    return database, store


def _post(client: httpx.Client, customer: str, text: str) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    reply = client.post(
        "/api/v1/messages",
        json={"tenant_id": TENANT, "customer_id": customer, "channel": "chat", "text": text},
    )
    elapsed = time.perf_counter() - started
    reply.raise_for_status()
    answer: dict[str, Any] = reply.json()
    return elapsed, answer


def _warm_up(client: httpx.Client, rounds: int) -> dict[str, str]:
    """One round of the mix on copy `rounds`; each kind's reply in English, which the
    baseline translates."""
    english: dict[str, str] = {}
    for customer, _, text, _ in MIX:
        _, answer = _post(client, f"{customer}-{rounds}", text)
        conversation = client.get(f"/api/v1/conversations/{answer['conversation_id']}").json()
        desk_reply = conversation["messages"][1]
        english[customer] = desk_reply["translation"] or desk_reply["text"]
    return english


def _all(samples: dict[str, list[float]]) -> list[float]:
    return [t for per_kind in samples.values() for t in per_kind]


def _interleaved(
    client: httpx.Client, calls: Calls, rounds: int
) -> tuple[dict[str, list[float]], dict[str, dict[str, float]]]:
    """Rounds of the mix through the desk (seconds per message, per kind), each followed by the
    same messages' upstream calls made directly (see `_paced_round`), so that both sides
    see the machine in the same state; the baseline's p50 per call in ms."""
    samples: dict[str, list[float]] = {customer: [] for customer, *_ in MIX}
    times: dict[str, dict[str, list[float]]] = {c: {r: [] for r in k} for c, k in calls.items()}
    for n in range(rounds):
        for customer, _, text, _ in MIX:
            elapsed, _ = _post(client, f"{customer}-{n}", text)
            samples[customer].append(elapsed)
        _paced_round(calls, statistics.median(_all(samples)), times)
    paced = {
        customer: {rpc: statistics.median(t) * 1000 for rpc, t in per_kind.items()}
        for customer, per_kind in times.items()
    }
    return samples, paced


def _paced_round(calls: Calls, pace: float, times: dict[str, dict[str, list[float]]]) -> None:
    """Each message's calls one after another, as the desk's messages make them: each
    message starting `pace` seconds (the desk's p50) after the one before, so each service
    has been idle between two of its calls about as long as under the desk."""
    for customer, per_kind in calls.items():
        begun = time.perf_counter()
        for rpc, call in per_kind.items():
            started = time.perf_counter()
            call()
            times[customer][rpc].append(time.perf_counter() - started)
        time.sleep(max(0.0, pace - (time.perf_counter() - begun)))


def _report(
    desk: dict[str, list[float]],
    back_to_back: dict[str, dict[str, float]],
    paced: dict[str, dict[str, float]],
    load: tuple[float, float],
) -> list[str]:
    every = _all(desk)
    desk_p50, desk_p99 = _p(every, 0.5), _p(every, 0.99)
    paced_sum = statistics.median([sum(calls.values()) for calls in paced.values()])
    hot_sum = statistics.median([sum(calls.values()) for calls in back_to_back.values()])
    lines = [
        f"support desk: POST /api/v1/messages over {len(every)} messages "
        f"({len(MIX)} kinds: where is my order x3, returns x2, escalation x1), serial:",
        f"  desk p50 {desk_p50:.2f} ms, p99 {desk_p99:.2f} ms",
        "  per kind, the desk's p50 and the message's upstream calls made directly, one "
        "after another, a message every desk p50 (ms, p50 per call):",
    ]
    for customer, calls in paced.items():
        shown = ", ".join(f"{rpc} {ms:.2f}" for rpc, ms in calls.items())
        kind_p50, total = _p(desk[customer], 0.5), sum(calls.values())
        lines.append(
            f"    {customer}: desk {kind_p50:.2f}; {shown}; sum {total:.2f} "
            f"({kind_p50 / total:.2f}x)"
        )
    hot = ", ".join(f"{c} {sum(calls.values()):.2f}" for c, calls in back_to_back.items())
    lines += [
        f"  composition overhead: desk p50 {desk_p50:.2f} ms / median message's upstream sum "
        f"{paced_sum:.2f} ms = {desk_p50 / paced_sum:.2f}x (target: at most 1.20x)",
        f"  each RPC repeated back to back instead (a server never idle, hotter than any "
        f"client at a message's pace gets it), sums (ms): {hot}",
        f"  against those: desk p50 {desk_p50:.2f} ms / median sum {hot_sum:.2f} ms = "
        f"{desk_p50 / hot_sum:.2f}x",
        "  both sides repeat the same texts, so the translation service's segment cache "
        "answers both",
        f"  machine: {os.cpu_count()} cores, load average (1 min) {load[0]:.2f} before, "
        f"{load[1]:.2f} after",
    ]
    return lines


def _stubs(stack: ExitStack, targets: dict[str, str]) -> Stubs:
    channels = {k: stack.enter_context(grpc.insecure_channel(v)) for k, v in targets.items()}
    return (
        triage_pb2_grpc.TriageServiceStub(channels["triage"]),
        translation_pb2_grpc.TranslationServiceStub(channels["translation"]),
        returns_decision_pb2_grpc.ReturnsDecisionServiceStub(channels["returns"]),
    )


def _calls(stubs: Stubs, store: Store, english: dict[str, str], rounds: int) -> Calls:
    """The RPCs the desk makes for each message kind, with the requests it builds."""
    triage, translation, decide = stubs
    now = datetime.now(UTC)
    results: Calls = {}
    for customer, language, text, is_return in MIX:
        ctx = store.load_context(TENANT, f"{customer}-{rounds + 1}", None, now)
        assert ctx.customer is not None
        inbound = Inbound(TENANT, ctx.customer.customer_id, "chat", text, "bench")
        focus = focus_order(ctx.customer, text)
        triage_request = build_triage_request(inbound, ctx, focus, language, now)
        triage_request.request_id = "bench"
        calls: dict[str, Callable[[], Any]] = {
            "TriageMessage": partial(triage.TriageMessage, triage_request, timeout=30),
            "DetectLanguage": partial(
                translation.DetectLanguage,
                translation_pb.DetectLanguageRequest(texts=[text], max_candidates=3),
                timeout=30,
            ),
        }
        if language != "en":
            calls["TranslateText in"] = partial(
                translation.TranslateText,
                translation_pb.TranslateTextRequest(
                    texts=[text], source_language=language, target_language="en"
                ),
                timeout=30,
            )
            calls["TranslateText reply"] = partial(
                translation.TranslateText,
                translation_pb.TranslateTextRequest(
                    texts=[english[customer]], source_language="en", target_language=language
                ),
                timeout=30,
            )
        if is_return:
            order, item = returns.returnable(ctx.customer, now)[0]
            request = returns.build_request(
                ctx.tenant,
                ctx.customer,
                order,
                item,
                returns.read_ask(text, False),
                ctx.stock.get(item.product_id, ()),
                "bench-return",
                now,
                reason_text=text,
            )
            calls["DecideReturn"] = partial(decide.DecideReturn, request, timeout=30)
        results[customer] = calls
    return results


def _back_to_back(calls: Calls, samples: int) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    for customer, per_kind in calls.items():
        measured: dict[str, float] = {}
        for rpc, call in per_kind.items():
            call()  # warm, right before its samples
            times = []
            for _ in range(samples):
                started = time.perf_counter()
                call()
                times.append(time.perf_counter() - started)
            measured[rpc] = statistics.median(times) * 1000
        results[customer] = measured
    return results


if __name__ == "__main__":
    for printed in run(quick="--quick" in sys.argv):
        print(printed, flush=True)
