"""Spans of a text that must come out of translation byte-identical.

Order and tracking numbers, URLs, e-mail addresses, phone numbers, SKUs, prices and
template placeholders are found with patterns; glossary terms are added on top. Where
matches overlap, the earliest wins, then the longest (a URL that contains an order
number is one span).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from services.common.text_patterns import EMAIL, URL
from services.translation.core.glossary import GlossaryMatcher


class SpanKind(enum.Enum):
    URL = "url"
    EMAIL = "email"
    PLACEHOLDER = "placeholder"
    PRICE = "price"
    TRACKING_NUMBER = "tracking_number"
    ORDER_NUMBER = "order_number"
    SKU = "sku"
    PHONE = "phone"
    DO_NOT_TRANSLATE = "do_not_translate"
    GLOSSARY_TERM = "glossary_term"


@dataclass(frozen=True, slots=True)
class ProtectedSpan:
    """``text[start:end]`` is replaced, after translation, by ``output``."""

    start: int
    end: int
    kind: SpanKind
    output: str


_CURRENCY_SYMBOL = r"[€£¥₹₽₩₺₴₦฿₫₱₪]"
_CURRENCY_DOLLAR = r"(?:US|CA|AU|NZ|HK|R|C|A|S|MX)?\$"
_CURRENCY_CODE = (
    r"(?:USD|EUR|GBP|JPY|CHF|CAD|AUD|NZD|MXN|BRL|ARS|CLP|COP|PEN|UYU|RON|SEK|NOK|DKK"
    r"|PLN|CZK|HUF|INR|CNY|RUB|TRY|ZAR|SGD|HKD)"
)
# Grouped thousands (1,234.56 / 1.234,56 / 1 234,56 with a plain, no-break or narrow
# no-break space), or a plain amount.
_AMOUNT = (
    r"(?<![\d.,])\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+(?:[.,]\d{1,2})?(?!\d)"
    r"|(?<![\d.,])\d+(?:[.,]\d{1,2})?(?!\d)"
)

_PATTERNS: tuple[tuple[SpanKind, re.Pattern[str]], ...] = (
    (SpanKind.URL, URL),
    (SpanKind.EMAIL, EMAIL),
    (
        SpanKind.PLACEHOLDER,
        re.compile(
            r"\{\{[^{}\n]{1,100}\}\}"  # {{name}}
            r"|\$\{[^{}\n]{1,100}\}"  # ${name}
            r"|\{[A-Za-z0-9_.]{0,50}\}"  # {0}, {}, {name}
            r"|%\([A-Za-z_]\w*\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]"  # %(name)s
            r"|%(?:\d+\$)?[-#0+]*\d*(?:\.\d+)?[sdifuxXeEgGc@](?![A-Za-z])"  # %s, %1$s, %.2f
            r"|\$[A-Za-z_]\w*"  # $Username
        ),
    ),
    (
        SpanKind.PRICE,
        re.compile(
            rf"(?:{_CURRENCY_DOLLAR}|{_CURRENCY_SYMBOL})\s?(?:{_AMOUNT})"
            rf"|(?:{_AMOUNT})\s?(?:{_CURRENCY_SYMBOL}|\$)"
            rf"|\b{_CURRENCY_CODE}\s?(?:{_AMOUNT})"
            rf"|(?:{_AMOUNT})\s?{_CURRENCY_CODE}\b"
        ),
    ),
    (
        SpanKind.TRACKING_NUMBER,
        re.compile(
            r"\b1Z[0-9A-Z]{16}\b"  # UPS
            r"|\bJJD\d{9,}\b|\bJVGL\d{6,}\b"  # DHL
            r"|\b[A-Z]{2}\d{9}[A-Z]{2}\b"  # UPU / USPS international
            r"|\b\d{4}(?: \d{4}){4}(?: \d{2})?\b"  # USPS, written in groups of four
            r"|\b\d{10,22}\b"  # DHL 10, FedEx 12/15/20, USPS 20-22 digits
        ),
    ),
    (
        SpanKind.ORDER_NUMBER,
        re.compile(r"#[A-Za-z0-9][A-Za-z0-9-]{2,}\b|\bORD(?:ER)?-[A-Z0-9-]+\b"),
    ),
    (
        SpanKind.SKU,
        re.compile(
            r"\bSKU[-:#]?\s?[A-Z0-9][A-Z0-9-]*\b"
            # Upper-case codes with a digit: AB-1234-XL, X-100, B07XJ8C8F5.
            r"|\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9]+(?:-[A-Z0-9]+)+\b"
            r"|\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6,}\b"
        ),
    ),
    (
        SpanKind.PHONE,
        re.compile(
            r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,6}(?!\w)"  # +1 (555) 123-4567
            r"|(?<!\w)\(\d{2,4}\) ?\d{3,4}[ .-]?\d{3,4}(?!\w)"  # (555) 123-4567
            r"|(?<![\w.-])\d{2,4}(?:[.-]\d{2,4}){2,4}(?![\w-])"  # 555-123-4567, 2024-05-01
        ),
    ),
)
_PRIORITY = {kind: rank for rank, (kind, _) in enumerate(_PATTERNS)}

CODE_KINDS = frozenset({SpanKind.SKU, SpanKind.ORDER_NUMBER, SpanKind.TRACKING_NUMBER})
"""Spans that are codes: runs of letters and digits which a rule-based engine passes
through as unknown words and numbers, so a stand-in built alike leaves the words around
them translated exactly as they would be around the code itself."""
_CODE = re.compile(r"(?:[A-Za-z0-9]+|[-_#: ])+")
_CODE_PART = re.compile(r"[A-Za-z0-9]+|.", re.DOTALL)


def code_shape(text: str) -> str:
    """``text`` with each run of letters and digits holding a letter as ``a``, each run of
    digits as ``9``, separators (``-``, ``_``, ``#``, ``:``, space) kept: ``RM-1A`` gives
    ``a-a``, ``#12345`` gives ``#9``. Empty when ``text`` holds anything else."""
    if not _CODE.fullmatch(text):
        return ""
    return "".join(
        ("9" if part.isdigit() else "a") if part.isalnum() else part
        for part in _CODE_PART.findall(text)
    )


def span_shape(span: ProtectedSpan) -> str:
    """The shape of a code span (``code_shape``); empty for the other kinds."""
    return code_shape(span.output) if span.kind in CODE_KINDS else ""


_URL_TRAILING = ".,;:!?'\"\u00bb\u201d\u2019)]}"


def _trim_url(text: str, start: int, end: int) -> int:
    """Leave sentence punctuation after a URL outside it; keep a ")" the URL opened."""
    while end > start and text[end - 1] in _URL_TRAILING:
        if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
            break
        end -= 1
    return end


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def find_protected_spans(text: str, glossary: GlossaryMatcher | None = None) -> list[ProtectedSpan]:
    """Non-overlapping protected spans of ``text``, in order."""
    found: list[tuple[int, int, int, SpanKind, str]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.start(), m.end()
            if kind is SpanKind.URL:
                end = _trim_url(text, start, end)
            elif kind is SpanKind.PHONE and not 7 <= _digits(m.group()) <= 15:
                continue
            if end > start:
                found.append((start, -(end - start), _PRIORITY[kind], kind, text[start:end]))
    if glossary is not None:
        for start, end, replacement in glossary.find(text):
            kind = SpanKind.DO_NOT_TRANSLATE if replacement is None else SpanKind.GLOSSARY_TERM
            output = text[start:end] if replacement is None else replacement
            # A glossary term wins over a pattern match of the same extent.
            found.append((start, -(end - start), -1, kind, output))
    found.sort(key=lambda f: (f[0], f[1], f[2]))
    spans: list[ProtectedSpan] = []
    last_end = 0
    for start, negative_length, _, kind, output in found:
        if start >= last_end:
            spans.append(ProtectedSpan(start, start - negative_length, kind, output))
            last_end = start - negative_length
    return spans
