"""What the policy sees of one returned line: the request plus the values derived from it
under a given policy (return window, list memberships, exchange candidate).

Computed in Python before the rules run because they are arithmetic over dates and sets,
not predicates: the rules then test plain fields such as `item.days_over_window`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from services.returns_decision.core.policy.model import WINDOW_RULE_ID, Policy, WindowClock
from services.returns_decision.core.requests import ExchangeCandidate, Item, ReturnRequest
from services.returns_decision.core.risk import RiskAssessment


def utc_day(instant: datetime) -> date:
    return instant.astimezone(UTC).date()


def norm(text: str) -> str:
    """Merchant labels (categories, tags, product types) compare case-insensitively."""
    return text.strip().lower()


@dataclass(frozen=True, slots=True)
class RequestContext:
    request: ReturnRequest
    risk: RiskAssessment | None
    evaluated_on: date
    request_value: int
    customer_lists: tuple[str, ...]
    customer_tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ItemContext:
    index: int
    item: Item
    shared: RequestContext
    category: str
    product_type: str
    tags: tuple[str, ...]
    line_value: int
    days_since_delivery: int
    window_days: int
    return_by: date
    base_return_by: date  # before holiday extensions
    days_over_window: int
    window_rule_id: str  # the override, holiday extension or default that set return_by
    holiday_rule_id: str | None  # set when a holiday extension moved return_by later
    previously_kept: bool
    exchange_candidate: ExchangeCandidate | None


def _clock_start(request: ReturnRequest, clock: WindowClock, buffer_days: int) -> date:
    order = request.order
    buffer = timedelta(days=buffer_days)
    if clock is WindowClock.DELIVERY and order.delivered_at is not None:
        return utc_day(order.delivered_at)
    if order.fulfilled_at is not None:
        return utc_day(order.fulfilled_at) + buffer
    if order.delivered_at is not None:
        return utc_day(order.delivered_at)
    assert order.placed_at is not None  # validate_request guarantees it
    return utc_day(order.placed_at) + buffer


def build_contexts(
    request: ReturnRequest, risk: RiskAssessment | None, policy: Policy, evaluated_at: datetime
) -> list[ItemContext]:
    """One context per item, in request order. The request must have passed validation."""
    customer = request.customer
    customer_tags = tuple(sorted({norm(t) for t in customer.tags}))
    lists = tuple(
        name
        for name, members in sorted(policy.customer_lists.items())
        if customer.customer_id in members.customer_ids
        or (customer.email_sha256 and customer.email_sha256 in members.email_sha256)
        or not members.customer_tags.isdisjoint(customer_tags)
    )
    shared = RequestContext(
        request=request,
        risk=risk,
        evaluated_on=utc_day(evaluated_at),
        request_value=sum(i.unit_price.amount_minor * i.quantity for i in request.items),
        customer_lists=lists,
        customer_tags=customer_tags,
    )
    window = policy.return_window
    start = _clock_start(request, window.clock, window.transit_buffer_days)
    assert request.order.placed_at is not None
    placed_on = utc_day(request.order.placed_at)
    kept = set(customer.returnless_refund_product_ids)

    contexts = []
    for index, item in enumerate(request.items):
        category, product_type = norm(item.category), norm(item.product_type)
        tags = tuple(sorted({norm(t) for t in item.tags}))
        days, rule_id = window.days, WINDOW_RULE_ID
        for override in window.overrides:
            if override.applies(product_type, category, tags):
                days, rule_id = override.days, override.id
                break
        base_return_by = return_by = start + timedelta(days=days)
        holiday_id = None
        for holiday in window.holidays:
            in_range = holiday.purchased_from <= placed_on <= holiday.purchased_to
            if in_range and holiday.return_by > return_by:
                return_by, holiday_id, rule_id = holiday.return_by, holiday.id, holiday.id
        candidate = next(
            (
                c
                for c in request.exchange_candidates
                if c.line_item_id == item.line_item_id and c.available_quantity >= item.quantity
            ),
            None,
        )
        contexts.append(
            ItemContext(
                index=index,
                item=item,
                shared=shared,
                category=category,
                product_type=product_type,
                tags=tags,
                line_value=item.unit_price.amount_minor * item.quantity,
                days_since_delivery=(shared.evaluated_on - start).days,
                window_days=(return_by - start).days,
                return_by=return_by,
                base_return_by=base_return_by,
                days_over_window=(shared.evaluated_on - return_by).days,
                window_rule_id=rule_id,
                holiday_rule_id=holiday_id,
                previously_kept=(item.product_id or item.sku) in kept,
                exchange_candidate=candidate,
            )
        )
    return contexts
