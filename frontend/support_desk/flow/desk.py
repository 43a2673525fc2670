"""The conversation flow for one incoming message, and an agent's reply.

Stages, each ending at its share of the message's deadline budget:

1. triage and language detection, concurrently, and the translation of the customer's
   text into the agents' language from the language already known for the customer
   (redone in stage 2 when the message turns out to be in another one);
2. the handler the intent calls for (where is my order, a return, an address change,
   or the human queue), which may ask for a return decision;
3. the reply (English templates) translated into the customer's language, and the
   agent's summary into the agents' language when it is not English.

A service that fails degrades the answer and never fails it: without translation the
reply goes out in the store's default language, flagged; without triage the message
goes to the human queue; without returns_decision the customer is told the return will
be reviewed, and it is queued.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from google.protobuf.json_format import MessageToDict
from retail.returns_decision.v1 import returns_decision_pb2 as returns_pb
from retail.triage.v1 import triage_pb2 as triage_pb
from retail.type.v1.money_pb2 import Money

from frontend.support_desk.flow import address, handoff, returns, wismo
from frontend.support_desk.flow.language import resolve
from frontend.support_desk.flow.model import Handled, Handoff, Inbound, Outcome
from frontend.support_desk.flow.orders import days_late, duration, focus_order
from frontend.support_desk.metrics import DeskMetrics
from frontend.support_desk.replies.render import Reply, fill, join, part, reply
from frontend.support_desk.settings import DeskSettings
from frontend.support_desk.store.repository import Store, reply_subject
from frontend.support_desk.store.views import Context, ConversationView, OrderView
from frontend.support_desk.store.writes import (
    EmailWrite,
    MessageWrite,
    NewConversation,
    TurnWrite,
)
from frontend.support_desk.upstream.budget import DECISION_STAGE, REPLY_STAGE, TRIAGE_STAGE, Budget
from frontend.support_desk.upstream.clients import (
    RETURNS,
    TRANSLATION,
    TRIAGE,
    Candidate,
    UpstreamError,
    Upstreams,
)

log = logging.getLogger("support_desk.flow")

T = TypeVar("T")

WISMO_INTENTS = frozenset({triage_pb.INTENT_ORDER_STATUS, triage_pb.INTENT_DELIVERY_PROBLEM})
RETURN_INTENTS = frozenset(
    {
        triage_pb.INTENT_RETURN_REQUEST,
        triage_pb.INTENT_EXCHANGE_REQUEST,
        triage_pb.INTENT_DAMAGED_OR_WRONG_ITEM,
    }
)
MIN_INTENT_CONFIDENCE = 0.25
_TIERS = {
    "new": triage_pb.CUSTOMER_TIER_NEW,
    "standard": triage_pb.CUSTOMER_TIER_STANDARD,
    "loyal": triage_pb.CUSTOMER_TIER_LOYAL,
    "vip": triage_pb.CUSTOMER_TIER_VIP,
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_request_id() -> str:
    return secrets.token_hex(8)


def top_intent(triage: triage_pb.TriageResult | None) -> int | None:
    if triage is None or not triage.intents:
        return None
    best = triage.intents[0]
    if best.confidence < MIN_INTENT_CONFIDENCE:
        return int(triage_pb.INTENT_OTHER)
    return int(best.intent)


def intent_label(intent: int | None) -> str | None:
    if intent is None:
        return None
    return triage_pb.Intent.Name(intent).removeprefix("INTENT_").lower()  # type: ignore[arg-type]


def build_triage_request(
    inbound: Inbound,
    ctx: Context,
    focus: OrderView | None,
    known: str,
    now: datetime,
) -> triage_pb.TriageMessageRequest:
    """The TriageMessage request for one message: the customer's tier, lifetime value,
    recent contacts and known language, and the order it is most likely about."""
    request = triage_pb.TriageMessageRequest(
        tenant_id=inbound.tenant_id,
        text=inbound.text,
        channel=triage_pb.CHANNEL_EMAIL if inbound.channel == "email" else triage_pb.CHANNEL_CHAT,
        language_hint=known,
    )
    customer = ctx.customer
    if customer is not None:
        request.customer.CopyFrom(
            triage_pb.CustomerContext(
                customer_id=customer.customer_id,
                tier=_TIERS.get(customer.tier, triage_pb.CUSTOMER_TIER_UNSPECIFIED),
                lifetime_value=Money(
                    currency_code=ctx.tenant.currency,
                    amount_minor=sum(o.total_minor for o in customer.orders),
                ),
                contacts_last_7_days=ctx.contacts_last_7_days,
                last_known_language=known,
            )
        )
    if focus is not None:
        request.order.CopyFrom(
            triage_pb.OrderContext(
                order_id=focus.order_id,
                order_value=Money(currency_code=focus.currency, amount_minor=focus.total_minor),
                days_late=days_late(focus, now),
            )
        )
    return request


@dataclass
class _Turn:
    """What one message's handling accumulates."""

    inbound: Inbound  # its text cut at max_text_chars
    ctx: Context | None
    budget: Budget
    now: datetime
    degraded: list[str]
    triage: triage_pb.TriageResult | None = None
    language: str = "en"
    original: str = ""  # the whole text, as received
    conversation_id: str = ""
    focus: OrderView | None = None
    intent: int | None = None
    sla: str = ""
    known: str = "en"  # the language known for the conversation or customer
    english: asyncio.Future[str | None] | None = None  # the text from `known`, for agents
    english_degraded: list[str] = field(default_factory=list)  # that translation's flags


@dataclass(frozen=True)
class _Answer:
    """The reply in the customer's language and, for a hand-over, the agents' summary."""

    text: str
    language: str
    summary: str | None
    summary_language: str
    english: str | None  # the customer's text in the agents' language


@dataclass(frozen=True)
class AgentReplyResult:
    conversation: ConversationView
    text: str
    language: str
    degraded: tuple[str, ...]


class Desk:
    """The flow over one store and the three upstream services."""

    def __init__(
        self,
        settings: DeskSettings,
        store: Store,
        upstreams: Upstreams,
        metrics: DeskMetrics,
        public_url: str,
    ) -> None:
        self.settings = settings
        self.store = store
        self.upstreams = upstreams
        self.metrics = metrics
        self.label_url = public_url.rstrip("/") + "/labels/{rma}"

    async def handle(self, inbound: Inbound) -> Outcome:
        """Answer one customer message. Raises store.errors.NotFound for an unknown
        tenant, customer or conversation (the caller's mistake); anything else that
        goes wrong degrades the answer."""
        started = time.perf_counter()
        turn = await self._context_and_triage(inbound)
        handled, english = await self._handle_and_translate(turn)
        answer = await self._reply(turn, handled, english)
        degraded = tuple(sorted(set(turn.degraded) | set(handled.degraded)))
        ctx = turn.ctx
        assert ctx is not None
        conversation = ctx.conversation
        if conversation is not None and conversation.open_ticket is not None:
            handled_by = "human"
        else:
            handled_by = "human" if handled.handoff else "automation"
        write = self._write(turn, handled, answer, handled_by, degraded)
        # Nothing is lost: the reply goes out only once the turn is stored.
        await asyncio.to_thread(self.store.apply_turn, write, turn.now)
        outcome = Outcome(
            conversation_id=turn.conversation_id,
            reply_text=answer.text,
            reply_language=answer.language,
            handled_by=handled_by,  # type: ignore[arg-type]
            intent=intent_label(turn.intent),
            priority=handoff.priority_label(turn.triage),
            degraded=degraded,
            request_id=inbound.request_id,
        )
        self._record(turn, handled, outcome, time.perf_counter() - started)
        return outcome

    # The stages of one message.

    async def _context_and_triage(self, inbound: Inbound) -> _Turn:
        """The store's context, then triage (which needs it), language detection and the
        agents' translation, concurrently (stage 1). Triage, the longest call, is sent
        first; the store is read before any call, since a local read takes less time
        than a call's set-up."""
        now = utcnow()
        original = inbound.text
        if len(original) > self.settings.max_text_chars:
            # An e-mail: kept whole, the services read its start, a person the rest.
            inbound = replace(inbound, text=original[: self.settings.max_text_chars])
        budget = Budget(self.settings.message_deadline_seconds)
        degraded: list[str] = []
        ctx = await self._load_context(inbound, now)
        conversation = ctx.conversation
        known = (
            conversation.language
            if conversation
            else ctx.customer.language
            if ctx.customer
            else ctx.tenant.default_language
        )
        turn = _Turn(inbound, ctx, budget, now, degraded, original=original, known=known)
        turn.conversation_id = conversation.id if conversation else new_request_id()
        turn.focus = focus_order(ctx.customer, inbound.text)
        deadline = budget.deadline(TRIAGE_STAGE)
        triage_request = build_triage_request(inbound, ctx, turn.focus, known, now)
        triaging = asyncio.ensure_future(
            _guard(
                degraded,
                TRIAGE,
                self.upstreams.triage(triage_request, deadline, inbound.request_id),
            )
        )
        detecting = _guard(
            degraded,
            TRANSLATION,
            self.upstreams.detect_language([inbound.text], deadline, inbound.request_id),
        )
        # Most customers write in the language they wrote in before: translating from it
        # now takes the translation off the critical path.
        turn.english = asyncio.ensure_future(self._for_agents(turn, known, turn.english_degraded))
        turn.triage, detection = await asyncio.gather(triaging, detecting)
        candidates: list[Candidate] | None = detection[0] if detection else None
        turn.language = resolve(inbound.text, turn.triage, candidates, known)
        turn.intent = top_intent(turn.triage)
        turn.sla = self._sla(turn.triage)
        return turn

    async def _load_context(self, inbound: Inbound, now: datetime) -> Context:
        """The store's context; on the event loop when the store reads inline (SQLite)."""
        args = (inbound.tenant_id, inbound.customer_id, inbound.conversation_id, now)
        if not self.store.reads_inline:
            return await asyncio.to_thread(self.store.load_context, *args)
        return self.store.load_context(*args)

    async def _handle_and_translate(self, turn: _Turn) -> tuple[Handled, str | None]:
        """The handler (stage 2), and the customer's text in the agents' language: the
        translation started in stage 1 when the message is in the known language, else
        one from the language it is in, made concurrently with the handler."""
        too_long = len(turn.original) > len(turn.inbound.text)
        english, flags = turn.english, turn.english_degraded
        assert english is not None
        if turn.language != turn.known:
            english.cancel()  # a wrong guess flags nothing
            flags = []
            english = asyncio.ensure_future(self._for_agents(turn, turn.language, flags))
        try:
            handled = await (_long_message(turn.sla) if too_long else self._safe_route(turn))
            translated = await english
        finally:
            english.cancel()
        turn.degraded.extend(f for f in flags if f not in turn.degraded)
        return handled, translated

    def _for_agents(self, turn: _Turn, source: str, degraded: list[str]) -> Awaitable[str | None]:
        """The customer's text translated from `source` into the agents' language."""
        agents = self.settings.agent_language
        return self._translate_one(
            turn, turn.inbound.text, source, agents, DECISION_STAGE, degraded
        )

    async def _reply(self, turn: _Turn, handled: Handled, english: str | None) -> _Answer:
        """The reply in the customer's language, and for a hand-over the summary in the
        agents' (stage 3); the agents read the English facts when it is untranslated."""
        ctx = turn.ctx
        assert ctx is not None
        facts = None
        summary_task = None
        if handled.handoff is not None:
            label = intent_label(turn.intent)
            facts = handoff.summary(
                ctx, turn.focus, label, handled.handoff, turn.triage, turn.language
            )
            summary_task = self._translate_one(
                turn, facts, "en", self.settings.agent_language, REPLY_STAGE
            )
        (text, language), summary = await asyncio.gather(
            self._render(turn, handled.reply),
            summary_task if summary_task is not None else _none(),
        )
        if summary is None:
            return _Answer(text, language, facts, "en", english)
        return _Answer(text, language, summary, self.settings.agent_language, english)

    def _write(
        self,
        turn: _Turn,
        handled: Handled,
        answer: _Answer,
        handled_by: str,
        degraded: tuple[str, ...],
    ) -> TurnWrite:
        """What the turn changes in the store."""
        inbound, ctx = turn.inbound, turn.ctx
        assert ctx is not None
        conversation = ctx.conversation
        label = intent_label(turn.intent)
        ticket = None
        if handled.handoff is not None:
            assert answer.summary is not None
            quoted = answer.english if answer.english is not None else inbound.text
            ticket = handoff.ticket(
                handled.handoff,
                turn.triage,
                label,
                handled.decision,
                f'{answer.summary}\n"{quoted}"',
                answer.summary_language,
                degraded,
                self.settings.fallback_sla_seconds,
            )
        return TurnWrite(
            conversation_id=turn.conversation_id,
            new_conversation=None
            if conversation
            else NewConversation(
                tenant_id=inbound.tenant_id,
                customer_id=inbound.customer_id,
                contact=inbound.contact,
                channel=inbound.channel,
                subject=inbound.subject,
            ),
            language=turn.language,
            intent=label or "unknown",
            handled_by=handled_by,
            pending=handled.pending,
            messages=self._messages(turn, handled, answer, degraded),
            ticket=ticket,
            return_record=handled.return_record,
            address_change=handled.address_change,
            resolution=handled.resolution,
            exchange_reserved_sku=handled.exchange_reserved_sku,
            email=self._email(turn) if inbound.channel == "email" else None,
        )

    def _messages(
        self, turn: _Turn, handled: Handled, answer: _Answer, degraded: tuple[str, ...]
    ) -> tuple[MessageWrite, MessageWrite]:
        """The customer's message (with the agents' translation) and the desk's reply
        (with its English)."""
        agents = self.settings.agent_language
        request_id = turn.inbound.request_id
        return (
            MessageWrite(
                "customer",
                turn.original,
                turn.language,
                answer.english if turn.language != agents else None,
                request_id,
                degraded,
            ),
            MessageWrite(
                "desk",
                answer.text,
                answer.language,
                handled.reply.english if answer.language != "en" else None,
                request_id,
                degraded,
            ),
        )

    def _email(self, turn: _Turn) -> EmailWrite:
        """The reply e-mail: to the sender, `Re:` the subject, threaded by [ref:...]."""
        inbound, ctx = turn.inbound, turn.ctx
        assert ctx is not None
        conversation = ctx.conversation
        return EmailWrite(
            inbound.contact or (ctx.customer.email if ctx.customer else ""),
            reply_subject(
                inbound.subject or (conversation.subject if conversation else ""),
                turn.conversation_id,
            ),
        )

    def _record(self, turn: _Turn, handled: Handled, outcome: Outcome, seconds: float) -> None:
        """Metrics and the log line of one handled message."""
        inbound = turn.inbound
        label = outcome.intent or "unknown"
        self.metrics.messages.labels(inbound.channel, label, outcome.handled_by).inc()
        self.metrics.message_seconds.labels(inbound.channel).observe(seconds)
        if handled.handoff is not None:
            for reason in handled.handoff.reasons:
                self.metrics.escalations.labels(reason).inc()
        for service in outcome.degraded:
            self.metrics.degraded.labels(service).inc()
        if log.isEnabledFor(logging.INFO):
            log.info(
                "message handled",
                extra={
                    "request_id": inbound.request_id,
                    "conversation_id": outcome.conversation_id,
                    "tenant": inbound.tenant_id,
                    "channel": inbound.channel,
                    "intent": outcome.intent,
                    "handled_by": outcome.handled_by,
                    "priority": outcome.priority,
                    "language": turn.language,
                    "degraded": list(outcome.degraded),
                    "latency_ms": round(seconds * 1000, 2),
                },
            )

    async def agent_reply(
        self, ticket_id: int, text: str, close: bool, request_id: str
    ) -> AgentReplyResult:
        """An agent's reply, translated from the agents' language into the customer's."""
        from frontend.support_desk.store.errors import NotFound

        ticket = await asyncio.to_thread(self.store.ticket, ticket_id)
        if ticket is None:
            raise NotFound("ticket_id", f"no ticket {ticket_id}")
        conversation = await asyncio.to_thread(self.store.conversation, ticket.conversation_id)
        assert conversation is not None
        budget = Budget(self.settings.message_deadline_seconds)
        turn = _Turn(
            Inbound(ticket.tenant_id, conversation.customer_id, "chat", text, request_id),
            None,
            budget,
            utcnow(),
            [],
        )
        target = conversation.language
        translated = await self._translate_one(
            turn, text, self.settings.agent_language, target, REPLY_STAGE
        )
        language = target if translated is not None else self.settings.agent_language
        message = MessageWrite(
            "agent",
            translated if translated is not None else text,
            language,
            text if language != self.settings.agent_language else None,
            request_id,
            tuple(turn.degraded),
        )
        updated = await asyncio.to_thread(
            self.store.add_agent_reply, ticket_id, message, close, utcnow()
        )
        log.info(
            "agent reply",
            extra={
                "request_id": request_id,
                "conversation_id": conversation.id,
                "ticket": ticket_id,
                "language": language,
                "degraded": turn.degraded,
            },
        )
        return AgentReplyResult(updated, message.text, language, tuple(turn.degraded))

    # Stages.

    def _sla(self, triage: triage_pb.TriageResult | None) -> str:
        return duration(handoff.sla_seconds(triage, self.settings.fallback_sla_seconds))

    async def _translate_one(
        self,
        turn: _Turn,
        text: str,
        source: str,
        target: str,
        stage: float,
        degraded: list[str] | None = None,
    ) -> str | None:
        if source == target:
            return text
        result = await _guard(
            turn.degraded if degraded is None else degraded,
            TRANSLATION,
            self.upstreams.translate(
                [text], source, target, turn.budget.deadline(stage), turn.inbound.request_id
            ),
        )
        return result[0] if result else None

    async def _render(self, turn: _Turn, answer: Reply) -> tuple[str, str]:
        """The reply in the customer's language; in the store's default language (the
        English templates) when translation is unavailable."""
        if turn.language == "en" or not answer.parts:
            return answer.english, "en"
        texts = [p.english for p in answer.parts]
        translated = await _guard(
            turn.degraded,
            TRANSLATION,
            self.upstreams.translate(
                texts,
                "en",
                turn.language,
                turn.budget.deadline(REPLY_STAGE),
                turn.inbound.request_id,
            ),
        )
        if translated is None or any(t is None for t in translated):
            if TRANSLATION not in turn.degraded:
                turn.degraded.append(TRANSLATION)
            default = turn.ctx.tenant.default_language if turn.ctx else "en"
            return answer.english, default
        return (
            join(fill(t or "", p.values) for t, p in zip(translated, answer.parts, strict=True)),
            turn.language,
        )

    async def _safe_route(self, turn: _Turn) -> Handled:
        """The handler's answer; a bug in a handler hands the message to a person."""
        try:
            return await self._route(turn)
        except Exception:
            log.exception(
                "handler failed; message handed to a person",
                extra={"request_id": turn.inbound.request_id},
            )
            return Handled(
                reply(part("handoff.queued", words={"sla": turn.sla})),
                handoff=Handoff(("desk_error",)),
            )

    async def _route(self, turn: _Turn) -> Handled:
        ctx, triage, text = turn.ctx, turn.triage, turn.inbound.text
        intent, focus, sla = turn.intent, turn.focus, turn.sla
        assert ctx is not None
        conversation = ctx.conversation
        if triage is None:
            return Handled(
                reply(part("handoff.queued", words={"sla": sla})),
                handoff=Handoff(("triage_unavailable",)),
            )
        if conversation is not None and conversation.open_ticket is not None:
            return Handled(reply(part("handoff.added")), handoff=Handoff(("customer_follow_up",)))
        if triage.escalation.escalate:
            return Handled(
                reply(part("handoff.escalated", words={"sla": sla})),
                handoff=Handoff(handoff.escalation_reasons(triage)),
            )
        if ctx.customer is None:
            return Handled(
                reply(part("handoff.queued", words={"sla": sla})),
                handoff=Handoff(("unknown_sender",)),
            )
        pending = conversation.pending if conversation else None
        if pending:
            answered = await self._answer_pending(turn, pending, sla)
            if answered is not None:
                return answered
        if intent in WISMO_INTENTS:
            if focus is None:
                return Handled(reply(part("wismo.no_order")), handoff=Handoff(("no_order",)))
            return wismo.where_is(ctx, focus, turn.now, self.settings.stall_days, sla)
        if intent in RETURN_INTENTS:
            return await self._return(turn, intent, sla)
        if intent == triage_pb.INTENT_CHANGE_SHIPPING_ADDRESS:
            return address.change_address(ctx, text, sla)
        return Handled(
            reply(part("handoff.queued", words={"sla": sla})),
            handoff=Handoff(("not_automated",)),
        )

    async def _answer_pending(
        self, turn: _Turn, pending: dict[str, Any], sla: str
    ) -> Handled | None:
        ctx, text = turn.ctx, turn.inbound.text
        assert ctx is not None
        kind = pending.get("kind")
        if kind == wismo.STALL_OPTIONS:
            return wismo.choose_option(ctx, pending, text)
        if kind == address.AWAIT_ADDRESS:
            return address.give_address(ctx, pending, text)
        if kind == returns.CHOOSE_ITEM:
            picked = returns.pick(ctx, pending, text)
            if picked is None:
                return None
            ask = returns.Ask(
                int(pending["reason"]), int(pending["condition"]), int(pending["resolution"])
            )
            return await self._decide(turn, picked[0], picked[1], ask, sla)
        if kind == returns.EXCHANGE_OFFER:
            accepted = returns.accept_exchange(ctx, pending, text, self.label_url)
            if accepted is not None:
                return accepted
            declined = returns.refund_instead(ctx, pending, text)
            if declined is None:
                return None
            order, item, ask = declined
            return await self._decide(turn, order, item, ask, sla, with_exchange=False)
        return None

    async def _return(self, turn: _Turn, intent: int, sla: str) -> Handled:
        ctx, text = turn.ctx, turn.inbound.text
        assert ctx is not None
        assert ctx.customer is not None
        candidates = returns.returnable(ctx.customer, turn.now)
        if not candidates:
            return Handled(
                reply(part("returns.nothing")),
                handoff=Handoff(("no_returnable_item",), "QUEUE_RETURNS"),
            )
        ask = returns.read_ask(text, intent == triage_pb.INTENT_EXCHANGE_REQUEST)
        if (
            intent == triage_pb.INTENT_DAMAGED_OR_WRONG_ITEM
            and ask.reason == returns_pb.RETURN_REASON_OTHER
        ):
            ask = returns.Ask(
                returns_pb.RETURN_REASON_DAMAGED, returns_pb.ITEM_CONDITION_DAMAGED, ask.resolution
            )
        narrowed = returns.narrow(ctx.customer, candidates, text)
        if len(narrowed) != 1:
            return returns.choose_item(narrowed or candidates, ask)
        order, item = narrowed[0]
        return await self._decide(turn, order, item, ask, sla)

    async def _decide(
        self,
        turn: _Turn,
        order: OrderView,
        item: Any,
        ask: returns.Ask,
        sla: str,
        with_exchange: bool = True,
    ) -> Handled:
        ctx = turn.ctx
        assert ctx is not None
        assert ctx.customer is not None
        request = returns.build_request(
            ctx.tenant,
            ctx.customer,
            order,
            item,
            ask,
            ctx.stock.get(item.product_id, ()),
            f"{turn.inbound.request_id}-return",
            turn.now,
            reason_text=turn.inbound.text,
            with_exchange=with_exchange,
        )
        decision = await _guard(
            turn.degraded,
            RETURNS,
            self.upstreams.decide_return(
                request, turn.budget.deadline(DECISION_STAGE), turn.inbound.request_id
            ),
        )
        if decision is None:
            asked = MessageToDict(request, preserving_proto_field_name=True)
            asked["items"][0].pop("reason_text", None)
            return Handled(
                reply(part("returns.review_unavailable", words={"sla": sla})),
                handoff=Handoff(("returns_unavailable",), "QUEUE_RETURNS"),
                decision={"unavailable": True, "request": asked},
            )
        return returns.tell(decision, order, item, self.label_url, sla, ask.reason)


async def _guard(degraded: list[str], service: str, call: Awaitable[T]) -> T | None:
    """The call's result, or None (and the service flagged as degraded) on failure."""
    try:
        return await call
    except UpstreamError:
        if service not in degraded:
            degraded.append(service)
        return None


async def _none() -> None:
    return None


async def _long_message(sla: str) -> Handled:
    return Handled(
        reply(part("handoff.queued", words={"sla": sla})), handoff=Handoff(("long_message",))
    )
