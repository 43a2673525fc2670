"""The JSON API: the same flow as the web chat, the e-mail webhook, and health.

Errors are FastAPI's validation shape, `{"detail": [{"loc": [...], "msg": ..., "type":
...}]}`, so every 4xx names the field it is about.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field

from frontend.support_desk.flow.desk import Desk
from frontend.support_desk.flow.model import Inbound, Outcome
from frontend.support_desk.logs import request_id_var
from frontend.support_desk.store.errors import NotFound
from frontend.support_desk.store.repository import Store

router = APIRouter()

_REF = re.compile(r"\[ref:([0-9a-f]{16})\]")
_ADDRESS = re.compile(r"<([^<>@\s]+@[^<>\s]+)>|([^<>@\s]+@[^<>\s]+)")


class MessageIn(BaseModel):
    """One customer message."""

    model_config = ConfigDict(extra="forbid")

    tenant_id: str = Field(
        min_length=1, max_length=64, description="The merchant, e.g. northwind-apparel."
    )
    customer_id: str = Field(min_length=1, max_length=64, description="The merchant's customer id.")
    channel: Literal["chat", "email"] = Field(description="Where the message came in.")
    conversation_id: str | None = Field(
        None,
        max_length=32,
        description="The conversation to continue, from an earlier answer; omit to start one.",
    )
    text: str = Field(
        min_length=1,
        description="The customer's message (at most SUPPORT_DESK_MAX_TEXT_CHARS characters).",
    )


class ReplyOut(BaseModel):
    text: str = Field(description="The reply, in `language`.")
    language: str = Field(description="ISO 639-1 code of the reply's language.")


class MessageOut(BaseModel):
    """The desk's answer to one message."""

    conversation_id: str = Field(description="Send it with the next message to continue.")
    reply: ReplyOut
    handled_by: Literal["automation", "human"] = Field(
        description="automation: answered by the desk; human: queued for an agent."
    )
    intent: str | None = Field(
        description="Triage's top intent, e.g. order_status; null when triage was unavailable."
    )
    priority: str | None = Field(description="P1 (most urgent) to P4; null without triage.")
    degraded: list[str] = Field(
        default_factory=list,
        description="Services that were unavailable for this message (the answer degraded).",
    )
    request_id: str = Field(description="The id of this message in every service's logs.")


class InboundEmail(BaseModel):
    """An inbound e-mail as helpdesk inbound-parse services post it."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    sender: str = Field(alias="from", min_length=3, max_length=400, description="The From header.")
    subject: str = Field("", max_length=1000, description="The Subject header.")
    body: str = Field(min_length=1, description="The plain-text body.")
    to: str | None = Field(None, max_length=400, description="The To header (ignored).")


class EmailAccepted(MessageOut):
    reply_subject: str = Field(description="Subject of the stored reply e-mail.")
    to: str = Field(description="Where the stored reply goes.")


class Health(BaseModel):
    status: Literal["ok"]
    store: bool
    upstreams: dict[str, bool]
    warmed_up: bool


def _desk(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


def _too_long(field: str, limit: int) -> RequestValidationError:
    return RequestValidationError(
        [
            {
                "loc": ("body", field),
                "msg": f"String should have at most {limit} characters",
                "type": "string_too_long",
                "ctx": {"max_length": limit},
            }
        ]
    )


def _blank(field: str) -> RequestValidationError:
    return RequestValidationError(
        [{"loc": ("body", field), "msg": "must not be blank", "type": "value_error"}]
    )


def not_found(error: NotFound) -> HTTPException:
    return HTTPException(
        status_code=404,
        detail=[{"loc": ["body", error.field], "msg": error.message, "type": "not_found"}],
    )


def _out(outcome: Outcome) -> dict[str, Any]:
    return {
        "conversation_id": outcome.conversation_id,
        "reply": {"text": outcome.reply_text, "language": outcome.reply_language},
        "handled_by": outcome.handled_by,
        "intent": outcome.intent,
        "priority": outcome.priority,
        "degraded": list(outcome.degraded),
        "request_id": outcome.request_id,
    }


@router.post(
    "/api/v1/messages",
    response_model=MessageOut,
    tags=["messages"],
    summary="Handle one customer message",
    responses={
        404: {"description": "Unknown tenant, customer or conversation (field named)"},
        413: {"description": "Request body too large"},
        422: {"description": "A field is missing or invalid (field named)"},
    },
)
async def post_message(body: MessageIn, request: Request) -> dict[str, Any]:
    """Run the conversation flow on one message and answer it: automatically (where is
    my order, returns and exchanges, address changes) or by queueing it for a person."""
    desk = _desk(request)
    if len(body.text) > desk.settings.max_text_chars:
        raise _too_long("text", desk.settings.max_text_chars)
    if not body.text.strip():
        raise _blank("text")
    inbound = Inbound(
        tenant_id=body.tenant_id,
        customer_id=body.customer_id,
        channel=body.channel,
        text=body.text,
        request_id=request_id_var.get(),
        conversation_id=body.conversation_id,
    )
    try:
        outcome = await desk.handle(inbound)
    except NotFound as error:
        raise not_found(error) from None
    return _out(outcome)


@router.post(
    "/api/v1/inbound/email",
    response_model=EmailAccepted,
    tags=["messages"],
    summary="Inbound e-mail webhook",
    responses={422: {"description": "A field is missing or invalid (field named)"}},
)
async def inbound_email(
    body: InboundEmail, request: Request, tenant_id: str | None = None
) -> dict[str, Any]:
    """Run the same flow on an e-mail (JSON `from`, `subject`, `body`, as helpdesk
    inbound-parse services post it) and store the reply for the mail relay. A reply's
    subject carries `[ref:<conversation>]`, which threads the customer's answer; a sender
    who is no customer is answered and queued for a person. A body longer than the chat
    limit is kept whole and handed to a person (never dropped)."""
    desk = _desk(request)
    tenant = tenant_id or desk.settings.default_tenant_id
    match = _ADDRESS.search(body.sender)
    if match is None:
        raise RequestValidationError(
            [{"loc": ("body", "from"), "msg": "no e-mail address in From", "type": "value_error"}]
        )
    sender = (match.group(1) or match.group(2)).strip().lower()
    if not body.body.strip():
        raise _blank("body")
    store: Store = request.app.state.store
    customer_id = await _to_thread(store.customer_by_email, tenant, sender)
    ref = _REF.search(body.subject)
    conversation_id = None
    if ref:
        existing = await _to_thread(store.conversation, ref.group(1))
        if existing is not None and existing.contact == sender:
            conversation_id = existing.id
    subject = _REF.sub("", body.subject).strip()
    text = f"{subject}\n\n{body.body}".strip() if subject else body.body.strip()
    inbound = Inbound(
        tenant_id=tenant,
        customer_id=customer_id,
        channel="email",
        text=text,
        request_id=request_id_var.get(),
        conversation_id=conversation_id,
        contact=sender,
        subject=subject.removeprefix("Re:").strip(),
    )
    try:
        outcome = await desk.handle(inbound)
    except NotFound as error:
        raise not_found(error) from None
    emails = await _to_thread(store.emails, outcome.conversation_id)
    last = emails[-1]
    return {**_out(outcome), "reply_subject": last.subject, "to": last.to_address}


@router.get("/api/v1/conversations/{conversation_id}", tags=["conversations"])
async def get_conversation(conversation_id: str, request: Request) -> dict[str, Any]:
    """A conversation's messages (original and translation), pending question, ticket and
    stored reply e-mails."""
    store: Store = request.app.state.store
    conversation = await _to_thread(store.conversation, conversation_id)
    if conversation is None:
        raise HTTPException(
            404,
            detail=[
                {
                    "loc": ["path", "conversation_id"],
                    "msg": "no such conversation",
                    "type": "not_found",
                }
            ],
        )
    emails = await _to_thread(store.emails, conversation_id)
    return {
        "conversation_id": conversation.id,
        "tenant_id": conversation.tenant_id,
        "customer_id": conversation.customer_id,
        "channel": conversation.channel,
        "language": conversation.language,
        "handled_by": conversation.handled_by,
        "pending": conversation.pending,
        "messages": [
            {
                "author": m.author,
                "text": m.text,
                "language": m.language,
                "translation": m.translation,
                "degraded": list(m.degraded),
                "created_at": m.created_at.isoformat(),
            }
            for m in conversation.messages
        ],
        "ticket": None
        if conversation.open_ticket is None
        else {
            "id": conversation.open_ticket.id,
            "priority": f"P{conversation.open_ticket.priority_level}",
            "queue": conversation.open_ticket.queue,
            "sla_due_at": conversation.open_ticket.sla_due_at.isoformat(),
            "reasons": list(conversation.open_ticket.reasons),
        },
        "emails": [
            {"to": e.to_address, "subject": e.subject, "body": e.body, "language": e.language}
            for e in emails
        ],
    }


@router.get("/healthz", response_model=Health, tags=["health"])
async def healthz(request: Request) -> dict[str, Any]:
    """The desk is up; which upstream services answer their health checks (the desk
    degrades without them, so their state does not change this status)."""
    desk = _desk(request)
    upstreams = await desk.upstreams.health(timeout=0.5)
    store_ok = True
    try:
        await _to_thread(desk.store.tenant_exists, desk.settings.default_tenant_id)
    except Exception:  # noqa: BLE001 - the health page reports the store, whatever broke it
        store_ok = False
    return {
        "status": "ok",
        "store": store_ok,
        "upstreams": upstreams,
        "warmed_up": bool(getattr(request.app.state, "warmed_up", False)),
    }


async def _to_thread(function: Any, *args: Any) -> Any:
    import asyncio

    return await asyncio.to_thread(function, *args)
