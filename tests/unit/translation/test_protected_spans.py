"""Finding the spans that must pass through translation untouched."""

from __future__ import annotations

import pytest

from services.translation.core.glossary import Glossary
from services.translation.core.protected_spans import (
    SpanKind,
    code_shape,
    find_protected_spans,
    span_shape,
)


def _found(text: str, glossary: Glossary | None = None) -> list[tuple[str, SpanKind]]:
    matcher = glossary.matcher() if glossary else None
    return [(text[s.start : s.end], s.kind) for s in find_protected_spans(text, matcher)]


@pytest.mark.parametrize(
    ("text", "span", "kind"),
    [
        ("see https://a.example/x_(y)?q=1&r=2.", "https://a.example/x_(y)?q=1&r=2", SpanKind.URL),
        ("go to www.example.org, then", "www.example.org", SpanKind.URL),
        ("mail a.b+c@d-e.co.uk.", "a.b+c@d-e.co.uk", SpanKind.EMAIL),
        ("order #12345, thanks", "#12345", SpanKind.ORDER_NUMBER),
        ("order ORD-2024-001 is late", "ORD-2024-001", SpanKind.ORDER_NUMBER),
        ("UPS 1Z999AA10123456784 ok", "1Z999AA10123456784", SpanKind.TRACKING_NUMBER),
        ("FedEx 987654321098765 ok", "987654321098765", SpanKind.TRACKING_NUMBER),
        (
            "USPS 9400 1118 9922 3197 4284 90 ok",
            "9400 1118 9922 3197 4284 90",
            SpanKind.TRACKING_NUMBER,
        ),
        ("DHL JJD000390007830837401 ok", "JJD000390007830837401", SpanKind.TRACKING_NUMBER),
        ("post EC123456789US ok", "EC123456789US", SpanKind.TRACKING_NUMBER),
        ("call +44 20 7946 0958 now", "+44 20 7946 0958", SpanKind.PHONE),
        ("call (555) 123-4567 now", "(555) 123-4567", SpanKind.PHONE),
        ("call 555-123-4567 now", "555-123-4567", SpanKind.PHONE),
        ("item SKU-12345 ok", "SKU-12345", SpanKind.SKU),
        ("size AB-1234-XL ok", "AB-1234-XL", SpanKind.SKU),
        ("asin B07XJ8C8F5 ok", "B07XJ8C8F5", SpanKind.SKU),
        ("it was $19.99 today", "$19.99", SpanKind.PRICE),
        ("it was 19,99 € today", "19,99 €", SpanKind.PRICE),
        ("it was 1.234,56 € today", "1.234,56 €", SpanKind.PRICE),
        ("it was EUR 20 today", "EUR 20", SpanKind.PRICE),
        ("it was 20 USD today", "20 USD", SpanKind.PRICE),
        ("it was US$ 3.50 today", "US$ 3.50", SpanKind.PRICE),
        ("it was £5 today", "£5", SpanKind.PRICE),
        ("Hi {{name}}!", "{{name}}", SpanKind.PLACEHOLDER),
        ("Hi {0}!", "{0}", SpanKind.PLACEHOLDER),
        ("Hi %s!", "%s", SpanKind.PLACEHOLDER),
        ("Hi %(name)s!", "%(name)s", SpanKind.PLACEHOLDER),
        ("Hi $Username!", "$Username", SpanKind.PLACEHOLDER),
        ("Hi ${user.name}!", "${user.name}", SpanKind.PLACEHOLDER),
    ],
)
def test_each_kind_is_found(text: str, span: str, kind: SpanKind) -> None:
    assert _found(text) == [(span, kind)]


@pytest.mark.parametrize(
    "text",
    [
        "I have 3 cats and 2 dogs since 2023.",
        "It is 100% cotton and Wi-Fi works.",
        "Meet me at 5 pm, OK?",
        "The T-shirt is red.",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert _found(text) == []


def test_longest_match_wins_and_spans_do_not_overlap() -> None:
    text = "Track https://x.example/order/#12345 and pay $5"
    assert _found(text) == [
        ("https://x.example/order/#12345", SpanKind.URL),
        ("$5", SpanKind.PRICE),
    ]


def test_glossary_terms_are_whole_words_case_insensitive_longest_first() -> None:
    glossary = Glossary.of(
        ["Air Max", "Nike"], {"refund": "reembolso", "refund policy": "política"}
    )
    assert _found("Nike Air Max refund policy, not Nikes or refunds. NIKE", glossary) == [
        ("Nike", SpanKind.DO_NOT_TRANSLATE),
        ("Air Max", SpanKind.DO_NOT_TRANSLATE),
        ("refund policy", SpanKind.GLOSSARY_TERM),
        ("NIKE", SpanKind.DO_NOT_TRANSLATE),
    ]
    forced = find_protected_spans("a refund", glossary.matcher())
    assert forced[0].output == "reembolso"


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("RM-2", "a-9"),
        ("RM-1A", "a-a"),
        ("#12345", "#9"),
        ("ORD-2024-001", "a-9-9"),
        ("SKU: 123", "a: 9"),
        ("9400 1118 9922", "9 9 9"),
        ("B07XJ8C8F5", "a"),
        ("https://x.example", ""),
        ("RM.2", ""),
    ],
)
def test_code_shape(text: str, shape: str) -> None:
    assert code_shape(text) == shape


def test_only_codes_say_how_they_are_built() -> None:
    text = "Order #123 of SKU-9 costs $5 at www.example.com"
    shapes = {text[s.start : s.end]: span_shape(s) for s in find_protected_spans(text)}
    assert shapes == {"#123": "#9", "SKU-9": "a-9", "$5": "", "www.example.com": ""}
