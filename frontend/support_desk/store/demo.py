"""The demo data set (demo.yaml beside this module), created in an empty store on first
run (setting `seed_demo`).

The file is read and checked here (unknown or missing keys, products and sizes that do
not exist, statuses the desk does not know, events out of order: an error naming the
place); its dates are days relative to the moment of seeding, so return windows,
parcels in transit and the stalled one stay true whenever the demo is created.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from functools import cache
from itertools import pairwise
from pathlib import Path

from sqlalchemy.orm import Session

from frontend.support_desk.datafile import Node, load
from frontend.support_desk.settings import SUPPORTED_LANGUAGES
from frontend.support_desk.store import models as m

PATH = Path(__file__).with_name("demo.yaml")
TENANT = "northwind-apparel"  # the tenant of demo.yaml (a test checks they agree)

TIERS = ("new", "standard", "loyal", "vip")
ORDER_STATUSES = ("processing", "shipped", "delivered", "cancelled")
SHIPMENT_STATUSES = (
    "label_created",
    "in_transit",
    "out_for_delivery",
    "delivered",
    "exception",
    "lost",
    "returned",
)


@dataclass(frozen=True)
class Product:
    product_id: str
    name: str
    product_type: str
    category: str
    color: str
    price: int
    cost: int
    stock: dict[str, int]  # available units by size; "" for one size


@dataclass(frozen=True)
class Event:
    days_ago: float
    status: str
    location: str
    description: str
    exception_code: str | None


@dataclass(frozen=True)
class Shipment:
    carrier: str
    tracking: str
    status: str
    events: tuple[Event, ...]  # oldest first; the parcel left with the first
    delivered_days_ago: float | None
    estimated_delivery_in_days: float | None


@dataclass(frozen=True)
class Order:
    order_id: str
    placed_days_ago: float
    promised_in_days: float
    status: str
    address: str
    country: str
    lines: tuple[tuple[Product, str], ...]  # product and size
    shipment: Shipment | None


@dataclass(frozen=True)
class Return:
    order_id: str
    line_item_id: str
    product: Product
    size: str
    requested_days_ago: float
    outcome: str
    refund_minor: int


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str
    email: str
    language: str
    country: str
    tier: str
    age_days: float
    tags: tuple[str, ...]
    orders: tuple[Order, ...]
    returns: tuple[Return, ...]


@dataclass(frozen=True)
class Tenant:
    """The columns of the tenant row."""

    tenant_id: str
    name: str
    currency: str
    default_language: str
    reship_allowed: bool
    refund_on_stall_allowed: bool
    return_label_cost: int
    outbound_shipping_cost: int
    receiving_cost: int
    handling_cost: int


@dataclass(frozen=True)
class Demo:
    tenant: Tenant
    sku_prefix: str
    products: dict[str, Product]
    customers: tuple[Customer, ...]

    def sku(self, product: Product, size: str) -> str:
        """<prefix>-<product id without "P-">-<colour's first three letters>[-<size>]."""
        base = f"{self.sku_prefix}-{product.product_id.removeprefix('P-')}-"
        base += product.color[:3].upper()
        return f"{base}-{size}" if size else base


# Reading and checking demo.yaml.


@cache
def load_demo(path: Path = PATH) -> Demo:
    """The data set at `path`, checked (read once per path)."""
    root = load(path).mapping(required=("tenant", "sku_prefix", "products", "customers"))
    products = {key: _product(key, node) for key, node in root["products"].items()}
    customers = tuple(_customer(node, products) for node in root["customers"].sequence())
    ids = [c.customer_id for c in customers]
    if len(set(ids)) != len(ids):
        raise root["customers"].error("a customer_id is used twice")
    return Demo(_tenant(root["tenant"]), root["sku_prefix"].string(), products, customers)


def _tenant(node: Node) -> Tenant:
    node.mapping(
        required=(
            "tenant_id",
            "name",
            "currency",
            "default_language",
            "reship_allowed",
            "refund_on_stall_allowed",
            "costs",
        )
    )
    costs = node["costs"].mapping(
        required=("return_label", "outbound_shipping", "receiving", "handling")
    )
    language = node["default_language"].string()
    if language not in SUPPORTED_LANGUAGES:
        raise node["default_language"].error(f"not a language of the desk: {language!r}")
    return Tenant(
        tenant_id=node["tenant_id"].string(),
        name=node["name"].string(),
        currency=node["currency"].string(),
        default_language=language,
        reship_allowed=node["reship_allowed"].boolean(),
        refund_on_stall_allowed=node["refund_on_stall_allowed"].boolean(),
        return_label_cost=costs["return_label"].integer(),
        outbound_shipping_cost=costs["outbound_shipping"].integer(),
        receiving_cost=costs["receiving"].integer(),
        handling_cost=costs["handling"].integer(),
    )


def _product(product_id: str, node: Node) -> Product:
    node.mapping(required=("name", "type", "category", "color", "price", "cost", "stock"))
    stock_node = node["stock"]
    if isinstance(stock_node.value, dict):
        stock = {size: units.integer() for size, units in stock_node.items()}
    else:
        stock = {"": stock_node.integer()}
    return Product(
        product_id,
        node["name"].string(),
        node["type"].string(),
        node["category"].string(),
        node["color"].string(),
        node["price"].integer(),
        node["cost"].integer(),
        stock,
    )


def _one_of(node: Node, allowed: tuple[str, ...]) -> str:
    value = node.string()
    if value not in allowed:
        raise node.error(f"{value!r} is not one of {', '.join(allowed)}")
    return value


def _customer(node: Node, products: dict[str, Product]) -> Customer:
    node.mapping(
        required=("customer_id", "name", "email", "language", "country", "orders"),
        optional=("tier", "age_days", "tags", "returns"),
    )
    tier, age, tags, returns = (node.get(k) for k in ("tier", "age_days", "tags", "returns"))
    return Customer(
        customer_id=node["customer_id"].string(),
        name=node["name"].string(),
        email=node["email"].string(),
        language=_one_of(node["language"], SUPPORTED_LANGUAGES),
        country=node["country"].string(),
        tier=_one_of(tier, TIERS) if tier else "standard",
        age_days=age.number() if age else 400,
        tags=tuple(t.string() for t in tags.sequence(allow_empty=True)) if tags else (),
        orders=tuple(_order(o, products) for o in node["orders"].sequence()),
        returns=tuple(_return(r, products) for r in returns.sequence()) if returns else (),
    )


def _line(node: Node, products: dict[str, Product]) -> tuple[Product, str]:
    node.mapping(required=("product",), optional=("size",))
    return _product_size(node, products)


def _product_size(node: Node, products: dict[str, Product]) -> tuple[Product, str]:
    """A product and one of its sizes (none for a product in one size)."""
    product_id = node["product"].string()
    if product_id not in products:
        raise node["product"].error(f"no product {product_id!r} in products")
    product = products[product_id]
    size = node["size"].string() if node.get("size") else ""
    if size not in product.stock:
        sizes = ", ".join(repr(s) for s in product.stock)
        raise node.error(f"{product_id} comes in {sizes}, not {size!r}")
    return product, size


def _order(node: Node, products: dict[str, Product]) -> Order:
    node.mapping(
        required=("order_id", "placed_days_ago", "status", "address", "country", "lines"),
        optional=("promised_in_days", "shipment"),
    )
    promised, shipment = node.get("promised_in_days"), node.get("shipment")
    return Order(
        order_id=node["order_id"].string(),
        placed_days_ago=node["placed_days_ago"].number(),
        promised_in_days=promised.number() if promised else 6,
        status=_one_of(node["status"], ORDER_STATUSES),
        address=node["address"].string(),
        country=node["country"].string(),
        lines=tuple(_line(line, products) for line in node["lines"].sequence()),
        shipment=_shipment(shipment) if shipment else None,
    )


def _shipment(node: Node) -> Shipment:
    node.mapping(
        required=("carrier", "tracking", "status", "events"),
        optional=("delivered_days_ago", "estimated_delivery_in_days"),
    )
    events = tuple(_event(e) for e in node["events"].sequence())
    if any(b.days_ago > a.days_ago for a, b in pairwise(events)):
        raise node["events"].error("events go from the oldest to the latest")
    delivered, eta = node.get("delivered_days_ago"), node.get("estimated_delivery_in_days")
    return Shipment(
        carrier=node["carrier"].string(),
        tracking=node["tracking"].string(),
        status=_one_of(node["status"], SHIPMENT_STATUSES),
        events=events,
        delivered_days_ago=delivered.number() if delivered else None,
        estimated_delivery_in_days=eta.number() if eta else None,
    )


def _event(node: Node) -> Event:
    node.mapping(
        required=("days_ago", "status", "location", "description"),
        optional=("exception_code",),
    )
    code = node.get("exception_code")
    return Event(
        node["days_ago"].number(),
        node["status"].string(),
        node["location"].string(),
        node["description"].string(),
        code.string() if code else None,
    )


def _return(node: Node, products: dict[str, Product]) -> Return:
    node.mapping(
        required=("order_id", "line_item_id", "product", "requested_days_ago", "outcome"),
        optional=("size", "refund_minor"),
    )
    product, size = _product_size(node, products)
    refund = node.get("refund_minor")
    return Return(
        order_id=node["order_id"].string(),
        line_item_id=node["line_item_id"].string(),
        product=product,
        size=size,
        requested_days_ago=node["requested_days_ago"].number(),
        outcome=node["outcome"].string(),
        refund_minor=refund.integer() if refund else product.price,
    )


# Seeding.


def seed(session: Session, now: datetime, path: Path = PATH) -> None:
    """Create the demo tenant, stock, customers, orders, shipments, tracking events and
    earlier returns, dated relative to `now`."""
    data = load_demo(path)
    session.add(m.Tenant(**asdict(data.tenant)))
    session.flush()  # the tenant row first: nothing else relates to it in the ORM
    for product in data.products.values():
        for size, available in product.stock.items():
            session.add(
                m.StockItem(
                    tenant_id=data.tenant.tenant_id,
                    sku=data.sku(product, size),
                    product_id=product.product_id,
                    name=product.name,
                    size=size,
                    color=product.color,
                    unit_price_minor=product.price,
                    unit_cost_minor=product.cost,
                    available=available,
                )
            )
    for customer in data.customers:
        _seed_customer(session, data, customer, now)


def _ago(now: datetime, days: float) -> datetime:
    return now - timedelta(days=days)


def _seed_customer(session: Session, data: Demo, c: Customer, now: datetime) -> None:
    tenant_id = data.tenant.tenant_id
    row = m.Customer(
        tenant_id=tenant_id,
        customer_id=c.customer_id,
        name=c.name,
        email=c.email,
        language=c.language,
        country_code=c.country,
        tier=c.tier,
        tags=list(c.tags),
        created_at=_ago(now, c.age_days),
        chargebacks=0,
    )
    session.add(row)
    for order in c.orders:
        session.add(_order_row(data, row, order, now))
    for r in c.returns:
        session.add(
            m.ReturnRecord(
                customer=row,
                order_id=r.order_id,
                line_item_id=r.line_item_id,
                sku=data.sku(r.product, r.size),
                product_id=r.product.product_id,
                requested_at=_ago(now, r.requested_days_ago),
                outcome=r.outcome,
                refund_minor=r.refund_minor,
            )
        )


def _order_row(data: Demo, customer: m.Customer, o: Order, now: datetime) -> m.Order:
    row = m.Order(
        tenant_id=data.tenant.tenant_id,
        order_id=o.order_id,
        customer=customer,
        placed_at=_ago(now, o.placed_days_ago),
        promised_by=_ago(now, o.placed_days_ago - o.promised_in_days),
        status=o.status,
        currency=data.tenant.currency,
        total_minor=sum(p.price for p, _ in o.lines),
        shipping_address=o.address,
        country_code=o.country,
        items=[
            m.OrderItem(
                line_item_id=f"L{n}",
                sku=data.sku(p, size),
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
            for n, (p, size) in enumerate(o.lines, start=1)
        ],
    )
    if o.shipment is not None:
        row.shipments.append(_shipment_row(o.shipment, now))
    return row


def _shipment_row(s: Shipment, now: datetime) -> m.Shipment:
    delivered, eta = s.delivered_days_ago, s.estimated_delivery_in_days
    return m.Shipment(
        carrier=s.carrier,
        tracking_number=s.tracking,
        status=s.status,
        shipped_at=_ago(now, s.events[0].days_ago),
        delivered_at=_ago(now, delivered) if delivered is not None else None,
        estimated_delivery=now + timedelta(days=eta) if eta is not None else None,
        events=[
            m.TrackingEvent(
                occurred_at=_ago(now, e.days_ago),
                status=e.status,
                location=e.location,
                description=e.description,
                exception_code=e.exception_code,
            )
            for e in s.events
        ],
    )
