"""Every reply the desk writes, once, in plain English.

`{{name}}` placeholders hold values that must reach the customer unchanged (order and
tracking numbers, dates, amounts, URLs): the translation service keeps them intact and
in place, and they are filled in after translation. Words that should be translated
(product names, durations) are written into the text before it is translated. Short,
plain sentences translate best with the rule-based engine.
"""

from __future__ import annotations

TEMPLATES: dict[str, str] = {
    # Where is my order.
    "wismo.not_shipped": (
        "Your purchase {{order_id}} has not been sent yet. "
        "We will send you the tracking number by e-mail."
    ),
    "wismo.in_transit": "Your purchase {{order_id}} is in transit with {{carrier}}.",
    "wismo.last_scan": "Last scan: {{date}}, {{location}}.",
    "wismo.eta": "Expected delivery: {{eta}}.",
    "wismo.out_for_delivery": (
        "Your purchase {{order_id}} is in transit with {{carrier}}. "
        "Your parcel will be delivered today."
    ),
    "wismo.delivered": (
        "Your purchase {{order_id}} is delivered. Delivered: {{date}}, {{location}}."
    ),
    "wismo.exception": "The carrier {{carrier}} has a problem with your parcel.",
    "wismo.tracking": "Tracking number: {{tracking}}.",
    "wismo.stalled": (
        "We apologise for the delay. Your parcel has not moved since {{date}}. "
        "Last scan: {{date}}, {{location}}."
    ),
    "wismo.lost": "We apologise. The carrier says that your parcel is lost.",
    "wismo.option_reship": "We can send you a new parcel from our stock at no cost.",
    "wismo.option_refund": "We can give you a full refund of {{amount}}.",
    "wismo.choose_both": "Write RESHIP for a new parcel or REFUND for a refund.",
    "wismo.choose_reship": "Write RESHIP for a new parcel.",
    "wismo.choose_refund": "Write REFUND for a refund.",
    "wismo.no_options": "A colleague will contact you in less than {{sla}}.",
    "wismo.reship_done": (
        "Thank you. We will send you a new parcel for your purchase {{order_id}}. "
        "You will receive the new tracking number by e-mail."
    ),
    "wismo.refund_done": (
        "Thank you. The refund of {{amount}} for your purchase {{order_id}} is approved. "
        "It can take 5 working days."
    ),
    "wismo.no_order": "We cannot find a purchase in your account.",
    # Returns and exchanges.
    "returns.approved": "Your return of the {{item}} of purchase {{order_id}} is approved.",
    "returns.refund_original": "The refund of {{amount}} goes to your original payment method.",
    "returns.refund_credit": "The refund of {{amount}} is store credit.",
    "returns.fees": "A fee of {{fees}} is deducted from the refund.",
    "returns.label": "You can print the return label here: {{label_url}}",
    "returns.return_by": "Send it back before {{return_by}}.",
    "returns.inspection": "We will check it before the refund.",
    "returns.keep_it": (
        "Your request is approved. You can keep the {{item}}. "
        "The refund of {{amount}} goes to your original payment method."
    ),
    "returns.exchange_offer": ("We can send you the same {{item}} in size {{size}} at no cost."),
    "returns.exchange_bonus": "You will also receive store credit of {{bonus}}.",
    "returns.exchange_choose": "Write YES to accept the exchange or REFUND for a refund.",
    "returns.exchange_done": ("Thank you. We will send you the {{item}} in size {{size}}."),
    "returns.review": (
        "A colleague will check your return of the {{item}} of purchase {{order_id}}. "
        "A colleague will answer in less than {{sla}}."
    ),
    "returns.review_unavailable": (
        "We will review your return. A colleague will answer in less than {{sla}}."
    ),
    "returns.denied": (
        "We apologise. We cannot accept the return of the {{item}} of purchase {{order_id}}."
    ),
    "returns.denied_appeal": "A colleague can help if you write to us again.",
    "returns.choose_item": "Which article do you want to return? Write its number.",
    "returns.choice": "{{number}}: {{item}}, {{order_id}}.",
    "returns.nothing": "We cannot find a delivered article that you can return.",
    # Address changes.
    "address.ask": "What is your new postal address for your purchase {{order_id}}?",
    "address.done": (
        "Thank you. The new postal address of your purchase {{order_id}} is: {{address}}"
    ),
    "address.shipped": (
        "Your purchase {{order_id}} has been sent. "
        "A colleague will contact the carrier about the postal address."
    ),
    "address.no_order": "We cannot find a purchase that has not been sent yet.",
    # Hand-over to a person.
    "handoff.escalated": (
        "We apologise. I have passed your message to a senior colleague. "
        "A senior colleague will contact you in less than {{sla}}."
    ),
    "handoff.queued": "A colleague will answer in less than {{sla}}.",
    "handoff.added": "I have passed your message to a colleague.",
}

DENIAL_REASONS: dict[str, str] = {
    "OUTSIDE_RETURN_WINDOW": "The return period for this item has ended.",
    "FINAL_SALE": "The item was sold as final sale.",
    "FINAL_SALE_EXCHANGE_ONLY": "Final sale items can only be exchanged.",
    "EXCHANGE_ONLY": "This item can only be exchanged.",
    "NON_RETURNABLE_CATEGORY": "Items of this kind cannot be returned.",
    "HYGIENE_ITEM": (
        "For hygiene reasons, swimwear and underwear can only be returned unworn with tags."
    ),
    "PERSONALIZED_ITEM": "Personalised items cannot be returned.",
    "GIFT_CARD": "Gift cards cannot be returned.",
    "CONDITION_NOT_MET": "Items that have been worn or damaged cannot be returned.",
    "CUSTOMER_BLOCKED": "Returns are not available on this account.",
    "COUNTRY_NOT_ELIGIBLE": (
        "We can only accept returns of orders delivered to the countries our return policy covers."
    ),
    "POLICY_DENIED": "The item does not meet our return policy.",
}
"""Plain words for the reasons of a denial, by DecideReturn reason code."""

DEFAULT_DENIAL = "The item does not meet our return policy."
