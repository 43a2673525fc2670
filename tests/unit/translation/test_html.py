"""HTML: only text nodes are translated; markup survives byte for byte."""

from __future__ import annotations

import re

import pytest

from services.translation.core import TextFormat, Translator
from services.translation.core.html_text import html_atoms
from services.translation.core.segmentation import Boundary, Markup
from services.translation.engines.base import OpaqueKind

PAGE = (
    "<!DOCTYPE html><html><head><title>Your order</title><style>p{color:red}</style></head>"
    '<body><p class="msg" data-x="a>b">Your <b>order</b> has shipped.<br>'
    'Track it <a href="https://x.example/t?a=1&amp;b=2" title="Track it">here</a>&nbsp;now.</p>'
    '<!-- keep me --><p>Tom &amp; Jerry like the <span translate="no">Blue Shirt</span> a lot.</p>'
    '<div translate="no"><p>Do not <i>translate</i> this</p></div>'
    '<script>var s = "<p>hello</p>";</script></body></html>'
)


def _markup(html: str) -> list[str]:
    return re.findall(r"<[^>]*>|&[#\w]+;", html)


def test_atoms_are_lossless_even_for_broken_html() -> None:
    for html in (
        PAGE,
        "a < b and c > d",
        "<p>unclosed <b>bold",
        "<!-- open comment",
        "x <a href='y",
        "&amp",
    ):
        atoms = html_atoms(html)
        assert "".join(a if isinstance(a, str) else a.text for a in atoms) == html


def test_atom_kinds() -> None:
    atoms = html_atoms('<p>A <b>b</b> <span translate="no">X <i>y</i></span>&amp; l&#39;été</p>')
    assert atoms == [
        Boundary("<p>"),
        "A ",
        Markup("<b>"),
        "b",
        Markup("</b>"),
        " ",
        Markup('<span translate="no">X <i>y</i></span>', OpaqueKind.CONTENT),
        Markup("&amp;"),
        " l'été",
        Boundary("</p>"),
    ]


def test_translation_keeps_tags_attributes_entities_and_untranslatable_parts(
    translator: Translator,
) -> None:
    result = translator.translate(PAGE, "en", "es", text_format=TextFormat.HTML)
    assert _markup(result.text) == _markup(PAGE)
    for kept in (
        '<span translate="no">Blue Shirt</span>',
        '<div translate="no"><p>Do not <i>translate</i> this</p></div>',
        '<script>var s = "<p>hello</p>";</script>',
        "<style>p{color:red}</style>",
        "<!-- keep me -->",
        'href="https://x.example/t?a=1&amp;b=2" title="Track it"',
    ):
        assert kept in result.text
    assert "has shipped" not in result.text
    assert "orden" in result.text


@pytest.mark.parametrize(
    "html",
    [
        "<p>Your order has <b>shipped",
        "Hello <world and goodbye",
        "<div><p>Where is my order?</div></span>",
    ],
)
def test_malformed_html_loses_no_text(translator: Translator, html: str) -> None:
    result = translator.translate(html, "en", "es", text_format=TextFormat.HTML)
    assert _markup(result.text) == _markup(html)
    assert len(result.text.strip()) > 5


def test_word_internal_entities_are_decoded_so_the_word_translates(translator: Translator) -> None:
    result = translator.translate(
        "<p>I don&#39;t know.</p>", "en", "es", text_format=TextFormat.HTML
    )
    assert result.text == "<p>No sé.</p>"
