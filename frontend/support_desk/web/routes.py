"""Server-rendered pages: the customer's web chat, the agent console, the dashboard and
return labels. Forms post and redirect; a little plain JavaScript polls the chat for an
agent's answer and counts SLAs down."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from frontend.support_desk.flow.desk import Desk
from frontend.support_desk.flow.handoff import LANGUAGE_NAMES
from frontend.support_desk.flow.model import Inbound
from frontend.support_desk.logs import request_id_var
from frontend.support_desk.store.errors import NotFound
from frontend.support_desk.store.repository import Store

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["language"] = lambda code: LANGUAGE_NAMES.get(code, code)
templates.env.filters["iso"] = lambda moment: moment.isoformat() if moment else ""
templates.env.filters["hm"] = lambda moment: moment.strftime("%Y-%m-%d %H:%M") if moment else ""

DEMO_HINTS = {
    "cust-es-1": "Spanish: return the shirt, it is too small (exchange for the next size)",
    "cust-en-1": "English: where is my parcel? (stalled in a UPS hub)",
    "cust-fr-1": "French: an angry message about a lost $1,280 order (escalated)",
    "cust-en-2": "English: change the delivery address before shipment",
    "cust-it-1": "Italian: the socks arrived with a hole (a returnless refund)",
    "cust-pt-1": "Portuguese: a return from Portugal (denied, with reasons)",
    "cust-ca-1": "Catalan: where is my parcel? (DHL exception code explained)",
    "cust-it-2": "Italian: where is my parcel? (out for delivery today)",
}
DEMO_MESSAGES = {
    "cust-es-1": "Hola, quiero devolver la camisa que compré, me queda pequeña.",
    "cust-en-1": "Where is my parcel?",
    "cust-fr-1": (
        "Ma commande de 1280 dollars n'est jamais arrivée ! C'est inadmissible, "
        "je vais contacter mon avocat et porter plainte."
    ),
    "cust-en-2": "I need to change the shipping address of my order.",
    "cust-it-1": "I calzini sono arrivati con un buco, vorrei restituirli.",
    "cust-pt-1": "Quero devolver a camisa, é muito grande.",
    "cust-ca-1": "On és el meu paquet? Encara no ha arribat.",
    "cust-it-2": "Dov'è il mio pacco?",
}


def _desk(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


@router.get("/", response_class=HTMLResponse)
async def index(request: Request) -> Response:
    desk = _desk(request)
    customers = await asyncio.to_thread(desk.store.customers, desk.settings.default_tenant_id)
    return templates.TemplateResponse(
        request, "index.html", {"customers": customers, "hints": DEMO_HINTS}
    )


@router.get("/chat", response_class=HTMLResponse)
async def chat(
    request: Request,
    customer: str | None = None,
    conversation: str | None = None,
    error: str | None = None,
) -> Response:
    desk = _desk(request)
    tenant = desk.settings.default_tenant_id
    customers = await asyncio.to_thread(desk.store.customers, tenant)
    chosen = next((c for c in customers if c.customer_id == customer), None)
    if chosen is None:
        if customer is not None:
            raise HTTPException(404, "no such customer")
        return RedirectResponse("/", status_code=303)
    current = None
    if conversation:
        current = await asyncio.to_thread(desk.store.conversation, conversation)
        if current is None or current.customer_id != chosen.customer_id:
            current = None
    return templates.TemplateResponse(
        request,
        "chat.html",
        {
            "customer": chosen,
            "customers": customers,
            "conversation": current,
            "error": error,
            "example": DEMO_MESSAGES.get(chosen.customer_id, ""),
            "max_chars": desk.settings.max_text_chars,
        },
    )


@router.post("/chat/send")
async def chat_send(
    request: Request,
    customer_id: str = Form(...),
    text: str = Form(""),
    conversation_id: str = Form(""),
) -> Response:
    desk = _desk(request)
    back = {"customer": customer_id}
    if conversation_id:
        back["conversation"] = conversation_id
    if not text.strip():
        return RedirectResponse(f"/chat?{urlencode(back)}", status_code=303)
    if len(text) > desk.settings.max_text_chars:
        back["error"] = f"Your message is longer than {desk.settings.max_text_chars} characters."
        return RedirectResponse(f"/chat?{urlencode(back)}", status_code=303)
    try:
        outcome = await desk.handle(
            Inbound(
                tenant_id=desk.settings.default_tenant_id,
                customer_id=customer_id,
                channel="chat",
                text=text,
                request_id=request_id_var.get(),
                conversation_id=conversation_id or None,
            )
        )
    except NotFound as error:
        if error.field == "conversation_id":
            back.pop("conversation", None)
            back["error"] = "That conversation has ended; please write again."
            return RedirectResponse(f"/chat?{urlencode(back)}", status_code=303)
        raise HTTPException(404, error.message) from None
    back["conversation"] = outcome.conversation_id
    return RedirectResponse(f"/chat?{urlencode(back)}#end", status_code=303)


@router.get("/chat/{conversation_id}/transcript", response_class=HTMLResponse)
async def transcript(request: Request, conversation_id: str) -> Response:
    conversation = await asyncio.to_thread(_store(request).conversation, conversation_id)
    if conversation is None:
        raise HTTPException(404, "no such conversation")
    return templates.TemplateResponse(
        request, "_transcript.html", {"conversation": conversation, "agent_view": False}
    )


@router.get("/console", response_class=HTMLResponse)
async def console(request: Request) -> Response:
    tickets = await asyncio.to_thread(_store(request).tickets, "open")
    answered = await asyncio.to_thread(_store(request).tickets, "answered")
    return templates.TemplateResponse(
        request, "console.html", {"tickets": tickets, "answered": answered}
    )


@router.get("/console/tickets/{ticket_id}", response_class=HTMLResponse)
async def ticket_page(request: Request, ticket_id: int, notice: str | None = None) -> Response:
    store = _store(request)
    ticket = await asyncio.to_thread(store.ticket, ticket_id)
    if ticket is None:
        raise HTTPException(404, "no such ticket")
    conversation = await asyncio.to_thread(store.conversation, ticket.conversation_id)
    emails = await asyncio.to_thread(store.emails, ticket.conversation_id)
    return templates.TemplateResponse(
        request,
        "ticket.html",
        {
            "ticket": ticket,
            "conversation": conversation,
            "emails": emails,
            "notice": notice,
            "agent_language": _desk(request).settings.agent_language,
            "decision": _decision_view(ticket.decision),
            "triage": _triage_view(ticket.triage),
        },
    )


@router.post("/console/tickets/{ticket_id}/reply")
async def agent_reply(
    request: Request, ticket_id: int, text: str = Form(""), close: str = Form("")
) -> Response:
    desk = _desk(request)
    if not text.strip() or len(text) > desk.settings.max_text_chars:
        notice = "Write a reply first." if not text.strip() else "That reply is too long."
        return RedirectResponse(
            f"/console/tickets/{ticket_id}?{urlencode({'notice': notice})}", status_code=303
        )
    try:
        result = await desk.agent_reply(ticket_id, text, bool(close), request_id_var.get())
    except NotFound:
        raise HTTPException(404, "no such ticket") from None
    notice = (
        f"Sent in {LANGUAGE_NAMES.get(result.language, result.language)}."
        if not result.degraded
        else "Translation is unavailable: sent as you wrote it."
    )
    return RedirectResponse(
        f"/console/tickets/{ticket_id}?{urlencode({'notice': notice})}", status_code=303
    )


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(request: Request) -> Response:
    desk = _desk(request)
    store = desk.store
    intents = await asyncio.to_thread(store.intent_counts)
    escalations = await asyncio.to_thread(store.escalation_counts)
    total = sum(i.conversations for i in intents)
    automated = sum(i.automation for i in intents)
    return templates.TemplateResponse(
        request,
        "dashboard.html",
        {
            "intents": intents,
            "total": total,
            "containment": automated / total if total else 0.0,
            "escalations": sorted(escalations.items(), key=lambda kv: -kv[1]),
            "rpcs": desk.metrics.rpc_stats(),
            "degraded": desk.metrics.counter_values("support_desk_degraded", "service"),
            "handled": desk.metrics.counter_values("support_desk_messages", "handled_by"),
        },
    )


@router.get("/labels/{rma}", response_class=HTMLResponse)
async def label(request: Request, rma: str) -> Response:
    found = await asyncio.to_thread(_store(request).label, rma)
    if found is None:
        raise HTTPException(404, "no such return label")
    return templates.TemplateResponse(request, "label.html", {"label": found})


def _decision_view(decision: dict[str, Any] | None) -> dict[str, Any] | None:
    if not decision:
        return None
    if decision.get("unavailable"):
        return {"outcome": "not decided: returns_decision was unavailable", "reasons": []}
    reasons = [r.get("code", "") for r in decision.get("reasons", [])]
    for item in decision.get("items", []):
        reasons.extend(r.get("code", "") for r in item.get("reasons", []))
    return {
        "outcome": str(decision.get("outcome", "")).removeprefix("OUTCOME_"),
        "reasons": sorted(set(reasons)),
        "policy": decision.get("policy", {}).get("label", ""),
        "fraud": decision.get("fraud", {}).get("band", ""),
    }


def _triage_view(triage: dict[str, Any] | None) -> dict[str, Any] | None:
    if not triage:
        return None
    flags = [k.replace("_", " ") for k, v in (triage.get("flags") or {}).items() if v]
    return {
        "sentiment": str(triage.get("sentiment", {}).get("level", "")).removeprefix(
            "SENTIMENT_LEVEL_"
        ),
        "flags": flags,
        "escalation": [
            str(r).removeprefix("ESCALATION_REASON_").lower()
            for r in triage.get("escalation", {}).get("reasons", [])
        ],
        "intents": [
            f"{str(i.get('intent', '')).removeprefix('INTENT_').lower()} "
            f"{float(i.get('confidence', 0)):.2f}"
            for i in triage.get("intents", [])[:3]
        ],
        "score": triage.get("priority", {}).get("score", 0),
    }


def now_iso(moment: datetime) -> str:
    return moment.isoformat()
