"""How the 27 Bitext customer-support intents map onto the triage taxonomy.

Judgement calls, so that they can be revisited:
- delivery_period ("how long until my item arrives") -> ORDER_STATUS: customers mostly ask
  it about an order they placed; pre-purchase shipping questions are delivery_options.
- check_refund_policy joins get_refund in REFUND_REQUEST: both lead to the refund queue.
- contact_customer_service (opening hours, how to reach you) -> REQUEST_HUMAN.
- newsletter_subscription -> ACCOUNT: it is account self-service.
Bitext has no returns, exchanges, damaged/wrong items, delivery problems, product
questions or fraud: those come from the team-written examples (data/triage/intents).
"""

from __future__ import annotations

from services.triage.core.intents import Intent

BITEXT_TO_INTENT: dict[str, Intent] = {
    "track_order": Intent.ORDER_STATUS,
    "delivery_period": Intent.ORDER_STATUS,
    "cancel_order": Intent.CANCEL_ORDER,
    "check_cancellation_fee": Intent.CANCEL_ORDER,
    "change_order": Intent.CHANGE_ORDER,
    "change_shipping_address": Intent.CHANGE_SHIPPING_ADDRESS,
    "set_up_shipping_address": Intent.CHANGE_SHIPPING_ADDRESS,
    "get_refund": Intent.REFUND_REQUEST,
    "check_refund_policy": Intent.REFUND_REQUEST,
    "track_refund": Intent.REFUND_STATUS,
    "check_invoice": Intent.PAYMENT_OR_INVOICE_PROBLEM,
    "get_invoice": Intent.PAYMENT_OR_INVOICE_PROBLEM,
    "payment_issue": Intent.PAYMENT_OR_INVOICE_PROBLEM,
    "check_payment_methods": Intent.PURCHASE_HELP,
    "place_order": Intent.PURCHASE_HELP,
    "delivery_options": Intent.SHIPPING_INFO,
    "contact_human_agent": Intent.REQUEST_HUMAN,
    "contact_customer_service": Intent.REQUEST_HUMAN,
    "complaint": Intent.COMPLAINT,
    "create_account": Intent.ACCOUNT,
    "delete_account": Intent.ACCOUNT,
    "edit_account": Intent.ACCOUNT,
    "recover_password": Intent.ACCOUNT,
    "registration_problems": Intent.ACCOUNT,
    "switch_account": Intent.ACCOUNT,
    "newsletter_subscription": Intent.ACCOUNT,
    "review": Intent.FEEDBACK,
}
