"""The one rule for language codes, and the one batch-size check."""

from __future__ import annotations

import pytest

from services.common.errors import InvalidArgument
from services.common.language import language_code
from services.common.limits import check_batch_size


@pytest.mark.parametrize(
    ("tag", "code"),
    [("es", "es"), (" PT-br ", "pt"), ("pt_BR", "pt"), ("EN", "en"), ("zh-Hant-TW", "zh")],
)
def test_language_tags_read_as_iso_639_1(tag: str, code: str) -> None:
    assert language_code(tag) == code


@pytest.mark.parametrize("tag", ["", "   ", "eng", "e", "12", "ñu", None])
def test_what_is_not_a_two_letter_code(tag: str | None) -> None:
    assert language_code(tag) is None


@pytest.mark.parametrize("size", [0, 4])
def test_a_batch_outside_its_limits_names_the_field(size: int) -> None:
    with pytest.raises(InvalidArgument) as raised:
        check_batch_size(size, 3, "texts")
    assert raised.value.reason == "BATCH_SIZE"
    assert [v.field for v in raised.value.violations] == ["texts"]


def test_a_batch_within_its_limits_passes() -> None:
    for size in (1, 3):
        check_batch_size(size, 3, "texts")
