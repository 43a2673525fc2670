"""The seeded request mixes the load harness sends: return requests under both shipped
policies, customer messages to triage in six languages, texts to translate and detect
(with order numbers, tracking numbers, URLs and prices), and support desk messages from
the demo customers.

Every request is drawn from a `random.Random` the caller owns, so one seed gives one
sequence; `rng_for` derives each simulated user's generator from the run's seed, its
kind and its index, so a user's sequence does not depend on how the others are paced.
Nothing here imports Locust: the tests use it directly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from retail.returns_decision.v1 import returns_decision_pb2 as returns_pb
from retail.translation.v1 import translation_pb2 as translation_pb
from retail.triage.v1 import triage_pb2 as triage_pb
from retail.type.v1.money_pb2 import Money

from bench.returns_samples import item, request, usd

DEFAULT_SEED = 20250310
DESK_TENANT = "northwind-apparel"
DESK_PATH = "/api/v1/messages"
TRIAGE_LANGUAGES = ("en", "es", "fr", "pt", "it", "de")


def rng_for(seed: int, kind: str, index: int) -> random.Random:
    """The generator of user `index` of `kind`; a string seed is hashed the same way in
    every process (unlike `hash()`), so runs repeat."""
    return random.Random(f"{seed}/{kind}/{index}")  # noqa: S311 - a mix, not a secret


# --- DecideReturn ----------------------------------------------------------------------

# (tenant, product type, category, unit price in cents, unit cost in cents)
_PRODUCTS: tuple[tuple[str, str, str, int, int], ...] = (
    ("northwind-apparel", "shirt", "tops", 4800, 1700),
    ("northwind-apparel", "t-shirt", "tops", 1800, 500),
    ("northwind-apparel", "trousers", "bottoms", 6800, 2300),
    ("northwind-apparel", "socks", "accessories", 1400, 300),
    ("northwind-apparel", "coat", "outerwear", 69000, 26000),
    ("northwind-apparel", "boots", "footwear", 42000, 15000),
    ("northwind-apparel", "swimsuit", "swimwear", 5400, 1500),
    ("northwind-apparel", "dress", "dresses", 8900, 3100),
    ("volt-electronics", "headphones", "audio", 19900, 11000),
    ("volt-electronics", "earbuds", "audio", 12900, 6000),
    ("volt-electronics", "laptop", "computers", 129900, 98000),
    ("volt-electronics", "charger", "accessories", 2900, 700),
    ("volt-electronics", "usb-c cable", "cables", 1500, 200),
)
_CONDITIONS = (
    returns_pb.ITEM_CONDITION_SEALED,
    returns_pb.ITEM_CONDITION_UNWORN_WITH_TAGS,
    returns_pb.ITEM_CONDITION_UNWORN_WITHOUT_TAGS,
    returns_pb.ITEM_CONDITION_LIKE_NEW,
    returns_pb.ITEM_CONDITION_USED,
    returns_pb.ITEM_CONDITION_DAMAGED,
    returns_pb.ITEM_CONDITION_DEFECTIVE,
)
_REASONS = (
    returns_pb.RETURN_REASON_SIZE_TOO_SMALL,
    returns_pb.RETURN_REASON_SIZE_TOO_LARGE,
    returns_pb.RETURN_REASON_POOR_FIT,
    returns_pb.RETURN_REASON_CHANGED_MIND,
    returns_pb.RETURN_REASON_NOT_AS_DESCRIBED,
    returns_pb.RETURN_REASON_DAMAGED,
    returns_pb.RETURN_REASON_DEFECTIVE,
    returns_pb.RETURN_REASON_WRONG_ITEM,
    returns_pb.RETURN_REASON_QUALITY,
    returns_pb.RETURN_REASON_STYLE,
)
_SIZE_REASONS = (
    returns_pb.RETURN_REASON_SIZE_TOO_SMALL,
    returns_pb.RETURN_REASON_SIZE_TOO_LARGE,
    returns_pb.RETURN_REASON_POOR_FIT,
)
_RESOLUTIONS = (
    returns_pb.RESOLUTION_REFUND_ORIGINAL_PAYMENT,
    returns_pb.RESOLUTION_STORE_CREDIT,
    returns_pb.RESOLUTION_EXCHANGE,
)
_CUSTOMER_TAGS = ((), (), (), ("vip",), ("return-abuse",), ("employee",))


def returns_request(rng: random.Random, request_id: str = "lt-1") -> returns_pb.DecideReturnRequest:
    """A DecideReturn request for one of the two shipped policies: one to three items of
    that merchant, any condition and reason, 1 to 60 days after delivery, a customer from
    new to loyal (sometimes listed), mostly from the US."""
    tenant = rng.choice(("northwind-apparel", "volt-electronics"))
    catalogue = [p for p in _PRODUCTS if p[0] == tenant]
    items = []
    candidates = []
    for line in range(1, rng.choice((1, 1, 1, 2, 3)) + 1):
        _, product_type, category, price, cost = rng.choice(catalogue)
        reason = rng.choice(_REASONS)
        line_id = f"L{line}"
        items.append(
            item(
                line_id,
                product_type=product_type,
                category=category,
                unit_price=usd(price),
                unit_cost=usd(cost),
                quantity=rng.choice((1, 1, 1, 2)),
                reported_condition=rng.choice(_CONDITIONS),
                reason=reason,
                final_sale=rng.random() < 0.05,
            )
        )
        if reason in _SIZE_REASONS:  # what the desk offers: another size in stock
            candidates.append(
                returns_pb.ExchangeCandidate(
                    line_item_id=line_id,
                    sku=f"SKU-{line_id}-NEXT",
                    variant_attributes={"size": rng.choice(("S", "M", "L", "XL"))},
                    unit_price=usd(price),
                    unit_cost=usd(cost),
                    available_quantity=rng.randint(1, 8),
                )
            )
    orders = rng.randint(1, 40)
    return request(
        *items,
        days_since_delivery=rng.randint(1, 60),
        tenant=tenant,
        request_id=request_id,
        country=rng.choice(("US", "US", "US", "US", "CA", "PT")),
        customer={
            "customer_id": f"cust-{rng.randint(1, 5000)}",
            "account_age_days": rng.randint(1, 3000),
            "lifetime_orders": orders,
            "lifetime_spend": usd(orders * rng.randint(2000, 15000)),
            "returns_last_90_days": rng.choice((0, 0, 0, 1, 2, 7)),
            "returns_last_365_days": rng.randint(0, 12),
            "tags": list(rng.choice(_CUSTOMER_TAGS)),
        },
        requested_resolution=rng.choice(_RESOLUTIONS),
        logistics=returns_pb.LogisticsCosts(
            return_label=usd(650), outbound_shipping=usd(800), receiving_and_inspection=usd(300)
        ),
        exchange_candidates=candidates,
    )


# --- TriageMessage ---------------------------------------------------------------------

# {order} is an order number, {amount} a price in the message's own style.
_MESSAGES: dict[str, tuple[str, ...]] = {
    "en": (
        "Where is my order {order}? It was supposed to arrive on Monday.",
        "I want to return the jacket from order {order}, it is too small.",
        "My {amount} order never arrived and nobody answers. I will call my lawyer!",
        "Hi, can I change the delivery address for {order}?",
        "The headphones I received are broken, I want a refund of {amount}.",
        "Thanks, the exchange worked perfectly!",
    ),
    "es": (
        "¿Dónde está mi pedido {order}? Todavía no ha llegado.",
        "Quiero devolver la camisa del pedido {order}, me queda pequeña.",
        "Pagué {amount} y el paquete llegó roto. Es inaceptable.",
        "Hola, necesito cambiar la dirección de envío de mi pedido {order}.",
    ),
    "fr": (
        "Où est ma commande {order} ? Elle devait arriver hier.",
        "Ma commande de {amount} n'est jamais arrivée ! Je vais porter plainte.",
        "Je voudrais retourner les chaussures, elles sont trop grandes.",
        "Bonjour, puis-je échanger la robe de la commande {order} ?",
    ),
    "pt": (
        "Onde está a minha encomenda {order}? Ainda não chegou.",
        "Quero devolver a camisa, é muito grande.",
        "Paguei {amount} e recebi o produto errado. Quero o reembolso.",
    ),
    "it": (
        "Dov'è il mio pacco {order}? Non è ancora arrivato.",
        "I calzini sono arrivati con un buco, vorrei restituirli.",
        "Ho pagato {amount} e l'ordine {order} è in ritardo di una settimana.",
    ),
    "de": (
        "Wo ist meine Bestellung {order}? Sie sollte gestern ankommen.",
        "Ich möchte die Jacke zurückgeben, sie ist zu klein.",
        "Ich habe {amount} bezahlt und das Paket ist beschädigt angekommen.",
    ),
}
_TIERS = (
    triage_pb.CUSTOMER_TIER_NEW,
    triage_pb.CUSTOMER_TIER_STANDARD,
    triage_pb.CUSTOMER_TIER_STANDARD,
    triage_pb.CUSTOMER_TIER_LOYAL,
    triage_pb.CUSTOMER_TIER_VIP,
)
_CHANNELS = (
    triage_pb.CHANNEL_CHAT,
    triage_pb.CHANNEL_CHAT,
    triage_pb.CHANNEL_EMAIL,
    triage_pb.CHANNEL_SOCIAL,
    triage_pb.CHANNEL_HELPDESK,
)


def _order_number(rng: random.Random) -> str:
    return rng.choice(("#{}", "ORD-2025-{}", "NW-{}")).format(rng.randint(1000, 99999))


def _amount(rng: random.Random, language: str) -> str:
    whole = rng.randint(15, 1500)
    if language == "en":
        return f"${whole}.{rng.randint(0, 99):02d}"
    return f"{whole},{rng.randint(0, 99):02d} €"


def customer_text(rng: random.Random, language: str) -> str:
    """A customer's message in `language`, with its own order number and amount."""
    template = rng.choice(_MESSAGES[language])
    return template.format(order=_order_number(rng), amount=_amount(rng, language))


def triage_request(rng: random.Random, request_id: str = "lt-1") -> triage_pb.TriageMessageRequest:
    """A TriageMessage request: a message in one of TRIAGE_LANGUAGES, sometimes with a
    language hint, customer and order context."""
    language = rng.choice(TRIAGE_LANGUAGES)
    fields: dict[str, Any] = {
        "tenant_id": rng.choice(("northwind-apparel", "volt-electronics")),
        "request_id": request_id,
        "text": customer_text(rng, language),
        "channel": rng.choice(_CHANNELS),
    }
    if rng.random() < 0.3:
        fields["language_hint"] = language
    if rng.random() < 0.7:
        fields["customer"] = triage_pb.CustomerContext(
            customer_id=f"cust-{rng.randint(1, 5000)}",
            tier=rng.choice(_TIERS),
            lifetime_value=Money(currency_code="USD", amount_minor=rng.randint(0, 500000)),
            contacts_last_7_days=rng.choice((0, 0, 1, 2, 4)),
            last_known_language=language,
        )
    if rng.random() < 0.6:
        fields["order"] = triage_pb.OrderContext(
            order_id=_order_number(rng),
            order_value=Money(currency_code="USD", amount_minor=rng.randint(1000, 200000)),
            days_late=rng.choice((0, 0, 0, 1, 3, 8)),
        )
    return triage_pb.TriageMessageRequest(**fields)


# --- TranslateText and DetectLanguage ---------------------------------------------------

# Agents' replies in English, with the spans the service must keep intact.
_REPLIES = (
    "Your order {order} has shipped: https://shop.example.com/track/1Z999AA1{digits}",
    "We have refunded {amount} to your card. The refund can take 5 days to appear.",
    "Please print the label at https://shop.example.com/labels/{digits} and drop the "
    "parcel at any UPS point.",
    "Your exchange for order {order} is on its way. Write to support@example.com if "
    "anything is wrong.",
    "Sorry for the delay! Order {order} left our warehouse today; the total was {amount}.",
)
_INTO_ENGLISH = ("es", "fr", "pt", "it")  # customers' languages Apertium translates


def translate_request(rng: random.Random) -> translation_pb.TranslateTextRequest:
    """A batch of one to three texts: agents' English replies into a customer's language,
    or customers' messages into English (source given, or left to detection)."""
    count = rng.choice((1, 1, 2, 3))
    if rng.random() < 0.6:
        target = rng.choice(("es", "fr", "pt", "it", "ca"))
        texts = [
            rng.choice(_REPLIES).format(
                order=_order_number(rng),
                amount=_amount(rng, "en"),
                digits=rng.randint(10000000, 99999999),
            )
            for _ in range(count)
        ]
        source = rng.choice(("en", ""))
    else:
        target = "en"
        source = rng.choice(_INTO_ENGLISH)
        texts = [customer_text(rng, source) for _ in range(count)]
        if rng.random() < 0.5:
            source = ""
    return translation_pb.TranslateTextRequest(
        texts=texts, source_language=source, target_language=target
    )


def detect_request(rng: random.Random) -> translation_pb.DetectLanguageRequest:
    """One to three customer messages in any of TRIAGE_LANGUAGES."""
    texts = [customer_text(rng, rng.choice(TRIAGE_LANGUAGES)) for _ in range(rng.choice((1, 2, 3)))]
    return translation_pb.DetectLanguageRequest(texts=texts, max_candidates=3)


# --- The support desk ------------------------------------------------------------------


@dataclass(frozen=True)
class DeskMessage:
    customer_id: str
    text: str


# The desk's demo customers (frontend/support_desk/store/demo.yaml), each with what they
# would write about their own orders.
_DESK_MESSAGES: tuple[DeskMessage, ...] = (
    DeskMessage("cust-en-1", "Where is my parcel?"),
    DeskMessage("cust-en-1", "Hi, my order still hasn't arrived. Can you check where it is?"),
    DeskMessage("cust-en-2", "I need to change the shipping address of my order."),
    DeskMessage("cust-es-1", "Hola, quiero devolver la camisa que compré, me queda pequeña."),
    DeskMessage("cust-es-1", "¿Dónde está mi pedido? Todavía no ha llegado."),
    DeskMessage(
        "cust-fr-1",
        "Ma commande de 1280 dollars n'est jamais arrivée ! C'est inadmissible, "
        "je vais contacter mon avocat et porter plainte.",
    ),
    DeskMessage("cust-fr-1", "Bonjour, où est ma commande ?"),
    DeskMessage("cust-it-1", "I calzini sono arrivati con un buco, vorrei restituirli."),
    DeskMessage("cust-it-2", "Dov'è il mio pacco? Non è ancora arrivato."),
    DeskMessage("cust-pt-1", "Quero devolver a camisa, é muito grande."),
    DeskMessage("cust-ca-1", "On és el meu paquet? Encara no ha arribat."),
)
DESK_CUSTOMERS = tuple(sorted({m.customer_id for m in _DESK_MESSAGES}))


def desk_message(rng: random.Random) -> dict[str, str]:
    """The JSON body of one POST /api/v1/messages: a new conversation of a demo customer."""
    message = rng.choice(_DESK_MESSAGES)
    return {
        "tenant_id": DESK_TENANT,
        "customer_id": message.customer_id,
        "channel": rng.choice(("chat", "chat", "chat", "email")),
        "text": message.text,
    }
