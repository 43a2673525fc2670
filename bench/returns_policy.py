"""Cost of a decision under the example policy: `python -m tools.policy bench`.

Times, single-threaded, for 1-item and 3-item requests under the example apparel policy:
the rules alone (facts built, asserted, actions drained, facts retracted) and the whole
`decide`. The baseline, measured in the same run, is one fact through a one-rule ruleset
on the same engine: the least a durable_rules round trip costs here. Best of several
rounds, to damp the noise of a shared machine.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.common.currency import Money
from services.returns_decision.core.decide import decide
from services.returns_decision.core.policy.context import build_contexts
from services.returns_decision.core.requests import (
    Customer,
    Item,
    ItemCondition,
    Order,
    ReturnReason,
    ReturnRequest,
)
from services.returns_decision.core.risk import RiskAssessment, RiskBand, RiskScore
from services.returns_decision.engines.rules.store import PolicyStore

TENANT = "northwind-apparel"


def _request(lines: int) -> ReturnRequest:
    now = datetime(2025, 3, 10, 12, tzinfo=UTC)
    items = tuple(
        Item(
            line_item_id=f"L{n}",
            sku=f"SKU-{n}",
            unit_price=Money(2500 + 1500 * n, "USD"),
            reported_condition=ItemCondition.UNWORN_WITHOUT_TAGS
            if n
            else ItemCondition.UNWORN_WITH_TAGS,
            reason=ReturnReason.SIZE_TOO_SMALL if n == 2 else ReturnReason.CHANGED_MIND,
            category=("tops", "footwear", "dresses")[n % 3],
            tags=("summer",),
        )
        for n in range(lines)
    )
    total = sum(i.unit_price.amount_minor for i in items)
    order = Order(
        "o-1",
        now - timedelta(days=12),
        "US",
        Money(total, "USD"),
        delivered_at=now - timedelta(days=8),
    )
    return ReturnRequest(
        TENANT, "bench", order, items, Customer("c-1", lifetime_orders=4), requested_at=now
    )


def _best_us(call: Callable[[], object], repeat: int, rounds: int = 5) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeat):
            call()
        best = min(best, (time.perf_counter() - start) / repeat)
    return best * 1e6


def run(policies: Path, repeat: int = 2000) -> list[tuple[str, float]]:
    """(figure, microseconds) pairs; the first is the baseline."""
    store = PolicyStore.open(policies)
    try:
        engine = store.engine
        handle = engine.create_ruleset("bench.baseline", {"a": {"all": [{"m": {"t": "i"}}]}})
        risk = RiskAssessment(
            RiskScore("fraud", "bench", 0.02, RiskBand.LOW),
            RiskScore("wardrobing", "bench", 0.02, RiskBand.LOW),
        )
        compiled = store.get(TENANT)
        figures = [
            ("baseline: one fact, one rule", _best_us(lambda: engine.match(handle, [{}]), repeat))
        ]
        for lines in (1, 3):
            request = _request(lines)
            contexts = build_contexts(
                request, risk, compiled.policy, request.requested_at or datetime.now(UTC)
            )
            match = functools.partial(compiled.match, contexts)
            decision = functools.partial(decide, request, risk, store=store)
            figures.append((f"rules, {lines} item(s)", _best_us(match, repeat)))
            figures.append((f"decide, {lines} item(s)", _best_us(decision, repeat)))
        engine.delete_ruleset(handle)
        return figures
    finally:
        store.close()


def report(policies: Path, repeat: int = 2000) -> str:
    figures = run(policies, repeat)
    baseline = figures[0][1]
    return "\n".join(
        f"{name:32s} {us:8.1f} us  {us / baseline:5.2f}x baseline" for name, us in figures
    )
