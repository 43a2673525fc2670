"""People's names carried untranslated through the second leg of a pivot."""

from __future__ import annotations

from services.translation.core.pivot_names import hide_names, name_shape, show_names
from services.translation.engines.base import Opaque, Slot


def test_name_shape_is_a_word_shape_or_nothing() -> None:
    assert name_shape("Lisa") == "a"
    assert name_shape("Garzón") == "a"
    assert name_shape("Jean-Pierre") == "a-a"
    assert name_shape("Mona Lisa") == "a a"
    assert name_shape("O'Brien") == ""
    assert name_shape("R2D2") == ""


def test_names_written_as_in_the_source_are_hidden_in_new_slots() -> None:
    template = ("Quién era Mona Lisa y ", Slot(0), "? Dios y Lisa, O'Brien.")
    hidden, kept = hide_names(
        template,
        ["Mona", "Lisa", "Dios", "O'Brien"],
        "Who was Mona Lisa and #1? God and Lisa, O'Brien.",
        first_slot=3,
    )
    assert hidden == [
        "Quién era ",
        Opaque(3, shape="a"),
        " ",
        Opaque(4, shape="a"),
        " y ",
        Slot(0),
        "? Dios y ",
        Opaque(5, shape="a"),
        ", O'Brien.",
    ]
    # "Dios" is the first leg's translation of "God": the next leg translates it too.
    # "O'Brien" has no shape a stand-in could copy: left as text.
    assert kept == {3: "Mona", 4: "Lisa", 5: "Lisa"}


def test_a_name_is_not_found_inside_a_longer_word() -> None:
    hidden, kept = hide_names(("Lisandro y Lisa",), ["Lisa"], "Lisandro and Lisa", 0)
    assert hidden == ["Lisandro y ", Opaque(0, shape="a")]
    assert kept == {0: "Lisa"}


def test_show_names_writes_each_name_back_once() -> None:
    kept = {3: "Mona", 4: "Lisa"}
    template = ("Chi era ", Slot(3), " ", Slot(4), " e ", Slot(0), "?")
    assert show_names(template, kept) == ("Chi era Mona Lisa e ", Slot(0), "?")
    # A repeated slot is written once; a dropped one is appended at the end.
    assert show_names(("Chi era ", Slot(3), Slot(3), "?"), kept) == ("Chi era Mona? Lisa",)
    assert show_names(("Ciao ", Slot(0)), {}) == ("Ciao ", Slot(0))
