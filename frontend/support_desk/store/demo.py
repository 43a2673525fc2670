"""The demo data set, created in an empty store on first run (setting `seed_demo`).

Every date is relative to the moment of seeding, so return windows, parcels in transit
and the stalled one stay true whenever the demo is created. The tenant is the one of
policies/apparel.yaml (northwind-apparel, USD; returns accepted from US and CA only).

| customer | language, country | what to try |
| --- | --- | --- |
| cust-es-1 | Spanish, US | return the shirt (size M, delivered 5 days ago), too small: exchange |
| cust-en-1 | English, US | where is my parcel: UPS, stalled in the Louisville hub for 5 days |
| cust-fr-1 | French, CA | a lost DHL parcel worth $1,280 (high value): escalated to a person |
| cust-en-2 | English, US | change the address of an order not shipped yet |
| cust-it-1 | Italian, US | socks that arrived with a hole: a returnless refund ("keep it") |
| cust-pt-1 | Portuguese, PT | a return from a country the policy does not accept: denied |
| cust-ca-1 | Catalan, CA | a DHL parcel held for an incomplete address (exception code) |
| cust-it-2 | Italian, US | a UPS parcel out for delivery today |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from frontend.support_desk.store import models as m

TENANT = "northwind-apparel"


@dataclass(frozen=True)
class _Product:
    product_id: str
    name: str
    product_type: str
    category: str
    color: str
    price: int
    cost: int


SHIRT = _Product("P-OXFORD", "Oxford shirt", "shirt", "tops", "blue", 4800, 1700)
TEE = _Product("P-TEE", "Cotton T-shirt", "t-shirt", "tops", "white", 1800, 500)
CHINOS = _Product("P-CHINO", "Slim chinos", "trousers", "bottoms", "khaki", 6800, 2300)
SOCKS = _Product("P-SOCKS", "Merino socks, 3 pairs", "socks", "accessories", "grey", 1400, 300)
PARKA = _Product("P-PARKA", "Alpine down parka", "coat", "outerwear", "black", 69000, 26000)
BOOTS = _Product("P-BOOTS", "Leather Chelsea boots", "boots", "footwear", "brown", 42000, 15000)
SCARF = _Product("P-SCARF", "Cashmere scarf", "scarf", "accessories", "camel", 17000, 6000)
LINEN = _Product("P-LINEN", "Linen shirt", "shirt", "tops", "white", 5200, 1900)
DRESS = _Product("P-DRESS", "Wrap dress", "dress", "dresses", "green", 8900, 3100)

STOCK: dict[_Product, dict[str, int]] = {
    SHIRT: {"S": 4, "M": 6, "L": 5, "XL": 0},
    TEE: {"S": 10, "M": 12, "L": 8},
    CHINOS: {"30": 3, "32": 4, "34": 2},
    SOCKS: {"": 40},
    PARKA: {"S": 1, "M": 2, "L": 0},
    BOOTS: {"40": 1, "41": 2, "42": 1},
    SCARF: {"": 5},
    LINEN: {"M": 3, "L": 3},
    DRESS: {"S": 2, "M": 0, "L": 1},
}


def sku(product: _Product, size: str) -> str:
    base = f"NW-{product.product_id.removeprefix('P-')}-{product.color[:3].upper()}"
    return f"{base}-{size}" if size else base


def seed(session: Session, now: datetime) -> None:
    """Create the demo tenant, stock, customers, orders, shipments and tracking events."""
    session.add(
        m.Tenant(
            tenant_id=TENANT,
            name="Northwind Apparel",
            currency="USD",
            default_language="en",
            reship_allowed=True,
            refund_on_stall_allowed=True,
            return_label_cost=650,
            outbound_shipping_cost=800,
            receiving_cost=300,
            handling_cost=200,
        )
    )
    session.flush()  # the tenant row first: nothing else relates to it in the ORM
    for product, sizes in STOCK.items():
        for size, available in sizes.items():
            session.add(
                m.StockItem(
                    tenant_id=TENANT,
                    sku=sku(product, size),
                    product_id=product.product_id,
                    name=product.name,
                    size=size,
                    color=product.color,
                    unit_price_minor=product.price,
                    unit_cost_minor=product.cost,
                    available=available,
                )
            )

    def days(n: float) -> datetime:
        return now - timedelta(days=n)

    def customer(
        customer_id: str,
        name: str,
        language: str,
        country: str,
        tier: str = "standard",
        age_days: int = 400,
        tags: tuple[str, ...] = (),
    ) -> m.Customer:
        first, _, last = name.partition(" ")
        row = m.Customer(
            tenant_id=TENANT,
            customer_id=customer_id,
            name=name,
            email=f"{first.lower()}.{last.lower()}@example.com",
            language=language,
            country_code=country,
            tier=tier,
            tags=list(tags),
            created_at=days(age_days),
            chargebacks=0,
        )
        session.add(row)
        return row

    def order(
        owner: m.Customer,
        order_id: str,
        placed: float,
        status: str,
        address: str,
        country: str,
        lines: list[tuple[_Product, str]],
        promised_in: float = 6,
    ) -> m.Order:
        items = [
            m.OrderItem(
                line_item_id=f"L{n}",
                sku=sku(p, size),
                product_id=p.product_id,
                name=p.name,
                product_type=p.product_type,
                category=p.category,
                size=size,
                color=p.color,
                unit_price_minor=p.price,
                unit_cost_minor=p.cost,
                quantity=1,
            )
            for n, (p, size) in enumerate(lines, start=1)
        ]
        row = m.Order(
            tenant_id=TENANT,
            order_id=order_id,
            customer=owner,
            placed_at=days(placed),
            promised_by=days(placed - promised_in),
            status=status,
            currency="USD",
            total_minor=sum(p.price for p, _ in lines),
            shipping_address=address,
            country_code=country,
            items=items,
        )
        session.add(row)
        return row

    def shipment(
        parent: m.Order,
        carrier: str,
        tracking: str,
        status: str,
        events: list[tuple[float, str, str, str, str | None]],
        delivered: float | None = None,
        eta: float | None = None,
    ) -> None:
        parent.shipments.append(
            m.Shipment(
                carrier=carrier,
                tracking_number=tracking,
                status=status,
                shipped_at=days(events[0][0]),
                delivered_at=days(delivered) if delivered is not None else None,
                estimated_delivery=days(eta) if eta is not None else None,
                events=[
                    m.TrackingEvent(
                        occurred_at=days(ago),
                        status=state,
                        location=where,
                        description=what,
                        exception_code=code,
                    )
                    for ago, state, where, what, code in events
                ],
            )
        )

    lucia = customer("cust-es-1", "Lucía Fernández", "es", "US")
    shirt_order = order(
        lucia,
        "NW-1001",
        9,
        "delivered",
        "1450 Brickell Ave, Miami, FL 33131, US",
        "US",
        [(SHIRT, "M")],
    )
    shipment(
        shirt_order,
        "UPS",
        "1Z999AA10123456784",
        "delivered",
        [
            (8, "picked_up", "Reno, NV, US", "Picked up", None),
            (7, "in_transit", "Louisville, KY, US", "Arrived at facility", None),
            (5.2, "out_for_delivery", "Miami, FL, US", "Out for delivery", None),
            (5, "delivered", "Miami, FL, US", "Delivered, front door", None),
        ],
        delivered=5,
    )
    session.add(
        m.ReturnRecord(
            customer=lucia,
            order_id="NW-0917",
            line_item_id="L1",
            sku=sku(TEE, "S"),
            product_id=TEE.product_id,
            requested_at=days(200),
            outcome="APPROVE_RETURN",
            refund_minor=TEE.price,
        )
    )

    oliver = customer("cust-en-1", "Oliver Bennett", "en", "US")
    stalled = order(
        oliver,
        "NW-1002",
        8,
        "shipped",
        "88 Alder St, Portland, OR 97204, US",
        "US",
        [(CHINOS, "32"), (TEE, "M")],
        promised_in=5,
    )
    shipment(
        stalled,
        "UPS",
        "1Z999AA10123456795",
        "in_transit",
        [
            (7.5, "picked_up", "Reno, NV, US", "Origin scan", None),
            (7, "in_transit", "Salt Lake City, UT, US", "Departed from facility", None),
            (5, "in_transit", "Louisville, KY, US (Worldport hub)", "Arrived at facility", None),
        ],
        eta=3,
    )

    camille = customer(
        "cust-fr-1", "Camille Dubois", "fr", "CA", tier="vip", age_days=1500, tags=("vip",)
    )
    lost = order(
        camille,
        "NW-1003",
        21,
        "shipped",
        "350 Rue Saint-Paul O, Montréal, QC H2Y 2A6, CA",
        "CA",
        [(PARKA, "M"), (BOOTS, "40"), (SCARF, "")],
        promised_in=7,
    )
    shipment(
        lost,
        "DHL",
        "JD014600006281230704",
        "lost",
        [
            (20, "picked_up", "Reno, NV, US", "Shipment picked up", None),
            (19, "in_transit", "Cincinnati Hub, OH, US", "Processed at DHL hub", None),
            (17, "in_transit", "Montreal, QC, CA", "Arrived at DHL facility", None),
            (15, "exception", "Montreal, QC, CA", "Shipment not located, trace opened", "NL"),
            (5, "lost", "Montreal, QC, CA", "Shipment declared lost", "LS"),
        ],
        eta=14,
    )

    emma = customer("cust-en-2", "Emma Clarke", "en", "US")
    order(
        emma,
        "NW-1004",
        1,
        "processing",
        "12 Congress Ave, Austin, TX 78701, US",
        "US",
        [(DRESS, "S")],
    )

    giulia = customer("cust-it-1", "Giulia Romano", "it", "US")
    socks = order(
        giulia,
        "NW-1005",
        12,
        "delivered",
        "210 W 17th St, New York, NY 10011, US",
        "US",
        [(SOCKS, "")],
    )
    shipment(
        socks,
        "UPS",
        "1Z999AA10123456806",
        "delivered",
        [
            (11, "picked_up", "Reno, NV, US", "Picked up", None),
            (10, "delivered", "New York, NY, US", "Delivered", None),
        ],
        delivered=10,
    )

    joao = customer("cust-pt-1", "João Silva", "pt", "PT")
    linen = order(
        joao,
        "NW-1006",
        12,
        "delivered",
        "Rua Augusta 120, 1100-053 Lisboa, PT",
        "PT",
        [(LINEN, "M")],
    )
    shipment(
        linen,
        "DHL",
        "JD014600006281230715",
        "delivered",
        [
            (11, "picked_up", "Reno, NV, US", "Shipment picked up", None),
            (9, "in_transit", "Leipzig Hub, DE", "Processed at DHL hub", None),
            (7, "delivered", "Lisboa, PT", "Delivered", None),
        ],
        delivered=7,
    )

    jordi = customer("cust-ca-1", "Jordi Puig", "ca", "CA")
    held = order(
        jordi,
        "NW-1007",
        4,
        "shipped",
        "200 Bay St, Toronto, ON, CA",
        "CA",
        [(CHINOS, "30")],
    )
    shipment(
        held,
        "DHL",
        "JD014600006281230726",
        "exception",
        [
            (3, "picked_up", "Reno, NV, US", "Shipment picked up", None),
            (2, "in_transit", "Toronto, ON, CA", "Arrived at DHL facility", None),
            (1, "exception", "Toronto, ON, CA", "Address information needed", "BA"),
        ],
        eta=-1,
    )

    marco = customer("cust-it-2", "Marco Bianchi", "it", "US")
    today = order(
        marco,
        "NW-1008",
        3,
        "shipped",
        "500 N Michigan Ave, Chicago, IL 60611, US",
        "US",
        [(TEE, "L")],
    )
    shipment(
        today,
        "UPS",
        "1Z999AA10123456817",
        "out_for_delivery",
        [
            (2.5, "picked_up", "Reno, NV, US", "Origin scan", None),
            (1, "in_transit", "Chicago, IL, US", "Arrived at facility", None),
            (0.1, "out_for_delivery", "Chicago, IL, US", "Out for delivery", None),
        ],
        eta=-0.3,
    )
