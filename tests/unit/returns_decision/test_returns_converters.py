"""The protobuf converters' hand-written timestamp handling against protobuf's own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from bench.returns_samples import request
from services.returns_decision import converters
from services.returns_decision.core.validation import InvalidRequest

INSTANTS = [
    datetime(2025, 3, 10, 12, 0, 0, 123456, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),  # before the epoch, with micros
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2024, 2, 29, 1, 30, tzinfo=timezone(timedelta(hours=-5))),  # not UTC
]


@pytest.mark.parametrize("instant", INSTANTS, ids=str)
def test_timestamps_out_match_from_datetime(instant: datetime) -> None:
    expected, ours = Timestamp(), Timestamp()
    expected.FromDatetime(instant)
    converters._set_timestamp(ours, instant)
    assert ours == expected


@pytest.mark.parametrize("instant", INSTANTS, ids=str)
def test_timestamps_in_match_to_datetime(instant: datetime) -> None:
    message = request()
    message.order.placed_at.FromDatetime(instant)
    expected = message.order.placed_at.ToDatetime(tzinfo=UTC)
    r = converters._Reader()
    assert r.instant(message.order, "placed_at", "order.placed_at") == expected
    assert r.violations == []


@pytest.mark.parametrize(
    ("seconds", "nanos"),
    [(253_402_300_800, 0), (-62_135_596_801, 0), (0, 1_000_000_000), (0, -1)],
)
def test_out_of_range_timestamp_is_a_field_violation(seconds: int, nanos: int) -> None:
    message = request()
    message.order.placed_at.seconds = seconds
    message.order.placed_at.nanos = nanos
    with pytest.raises(InvalidRequest) as raised:
        converters.return_request(message)
    about_placed_at = [
        v.description for v in raised.value.violations if v.field == "order.placed_at"
    ]
    # Reported once: not also as a missing required field.
    assert len(about_placed_at) == 1
    assert about_placed_at[0].startswith("not a valid timestamp")
