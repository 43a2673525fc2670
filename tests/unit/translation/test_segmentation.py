"""Cutting texts into segments and putting translations back."""

from __future__ import annotations

from services.translation.core.segmentation import (
    Boundary,
    Markup,
    Unit,
    build_document,
    fill_template,
)
from services.translation.engines.base import Opaque, OpaqueKind, Slot


def _joined(parts: list[str | Unit]) -> str:
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        else:
            text, _ = fill_template(_identity(part), part.fills)
            out.append(text)
    return "".join(out)


def _identity(unit: Unit) -> tuple[str | Slot, ...]:
    return tuple(p if isinstance(p, str) else Slot(p.slot) for p in unit.segment)


def test_document_rebuilds_the_input_exactly() -> None:
    text = "  Hi Mr. Smith!  Your order #123 shipped.\nLine two\n\n\tNew paragraph? Yes.  \n"
    assert _joined(build_document([text])) == text


def test_sentences_split_but_not_after_abbreviations_or_initials() -> None:
    parts = build_document(["Hello Mr. Smith. How are you? «Bien» dijo. J. Doe came, e.g. today."])
    units = [p.segment for p in parts if isinstance(p, Unit)]
    assert units == [
        ("Hello Mr. Smith.",),
        ("How are you?",),
        ("«Bien» dijo.",),
        ("J. Doe came, e.g. today.",),
    ]


def test_single_line_breaks_stay_inside_a_segment_blank_lines_cut() -> None:
    parts = build_document(["I would like to\nreturn my order\n\nThanks"])
    assert [p.segment for p in parts if isinstance(p, Unit)] == [
        ("I would like to\nreturn my order",),
        ("Thanks",),
    ]


def test_spans_become_slots_and_text_without_letters_is_kept() -> None:
    parts = build_document(["Order #123 costs $5.\n\n#456 $7"])
    # An order number is a code and says how it is built; a price does not.
    assert parts[0] == Unit(
        ("Order ", Opaque(0, shape="#9"), " costs ", Opaque(1), "."), ("#123", "$5")
    )
    assert parts[1:] == ["\n\n", "#456 $7"]


def test_no_split_option() -> None:
    parts = build_document(["One. Two."], split_sentences=False)
    assert parts == [Unit(("One. Two.",), ())]


def test_markup_and_boundaries() -> None:
    parts = build_document(
        ["Hello ", Markup("<b>"), "world", Markup("</b>"), Boundary("<p>"), " x "]
    )
    assert parts == [
        Unit(
            ("Hello ", Opaque(0, OpaqueKind.MARKUP), "world", Opaque(1, OpaqueKind.MARKUP)),
            ("<b>", "</b>"),
        ),
        "<p>",
        " ",
        Unit(("x",), ()),
        " ",
    ]


def test_fill_template_repairs_dropped_and_repeated_slots() -> None:
    assert fill_template(("a ", Slot(0), " b"), ("X", "Y")) == ("a X b Y", 1)
    assert fill_template((Slot(0), " and ", Slot(0)), ("X",)) == ("X and ", 1)
    assert fill_template(("a ", Slot(1), " ", Slot(0)), ("X", "Y")) == ("a Y X", 0)
