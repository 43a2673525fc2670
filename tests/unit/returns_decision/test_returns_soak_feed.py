"""The soak script's request feed (scripts/soak_returns.py): every decision gets a new
message, as from the wire. Overwriting a field of one long-lived message instead grows
that message's upb arena by the old value's bytes on every assignment, which showed up
as a ~15 bytes per decision "leak" in a soak of code that leaks nothing."""

from __future__ import annotations

from scripts.soak_returns import RequestFeed, variants


def test_each_decision_gets_a_new_message_with_its_own_request_id() -> None:
    templates = variants()
    feed = RequestFeed(templates)
    first, again = feed(1), feed(1 + len(templates))
    assert first is not again
    assert first.request_id == "soak-1"
    assert again.request_id == f"soak-{1 + len(templates)}"
    first.ClearField("request_id")
    again.ClearField("request_id")
    assert first == again


def test_the_feed_rotates_over_the_variants_and_never_mutates_them() -> None:
    templates = variants()
    before = [t.SerializeToString() for t in templates]
    feed = RequestFeed(templates)
    for n in range(3 * len(templates)):
        message = feed(n)
        expected = templates[n % len(templates)]
        assert message is not expected
        message.ClearField("request_id")
        template = type(expected)()
        template.CopyFrom(expected)
        template.ClearField("request_id")
        assert message == template
    assert [t.SerializeToString() for t in templates] == before
