"""The e-commerce support intent taxonomy that triage answers with.

The values are stable wire-level identifiers: the servicer maps them onto the proto enum,
so renaming one is a breaking change.
"""

from __future__ import annotations

from enum import StrEnum


class Intent(StrEnum):
    """What the customer wants, at the granularity support queues are organised by."""

    ORDER_STATUS = "order_status"
    """Where is my order, when will it arrive."""
    CANCEL_ORDER = "cancel_order"
    """Cancel an order, or ask what cancelling costs."""
    CHANGE_ORDER = "change_order"
    """Add, remove or change items of an order not yet shipped."""
    CHANGE_SHIPPING_ADDRESS = "change_shipping_address"
    """Change or set up the delivery address."""
    DELIVERY_PROBLEM = "delivery_problem"
    """Late, lost, not received, delivered to the wrong place."""
    DAMAGED_OR_WRONG_ITEM = "damaged_or_wrong_item"
    """The item arrived broken, defective, incomplete or not what was ordered."""
    RETURN_REQUEST = "return_request"
    """Send an item back."""
    EXCHANGE_REQUEST = "exchange_request"
    """Swap a received item for another size, colour or model."""
    REFUND_REQUEST = "refund_request"
    """Ask for money back, or how the refund policy works."""
    REFUND_STATUS = "refund_status"
    """Where is a refund already promised."""
    PAYMENT_OR_INVOICE_PROBLEM = "payment_or_invoice_problem"
    """Payment failed, charged twice, invoice needed or wrong."""
    SHIPPING_INFO = "shipping_info"
    """Before buying: delivery methods, costs, countries served."""
    PURCHASE_HELP = "purchase_help"
    """Before buying: how to place an order, which payment methods are accepted."""
    PRODUCT_QUESTION = "product_question"
    """Sizing, stock, specifications, compatibility of a product."""
    ACCOUNT = "account"
    """Create, edit, delete or switch an account, passwords, newsletter."""
    FEEDBACK = "feedback"
    """Leave a review or general feedback."""
    COMPLAINT = "complaint"
    """File a complaint about the service or the company."""
    REQUEST_HUMAN = "request_human"
    """Wants a person: an agent, a phone number, opening hours."""
    FRAUD_ALLEGATION = "fraud_allegation"
    """Says they were scammed, charged without consent, or their account was abused."""
    OTHER = "other"
    """Nothing in the taxonomy fits with enough confidence."""
