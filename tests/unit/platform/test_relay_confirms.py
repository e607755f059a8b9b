"""The relay's confirm bookkeeping: only messages acked and not returned count as published."""
from pika import frame, spec

from shared.relay import _Flight


def _flight(*ids: str) -> _Flight:
    flight = _Flight()
    for tag, event_id in enumerate(ids, start=1):
        flight.by_tag[tag] = event_id
    return flight


class _Props:
    def __init__(self, message_id):
        self.message_id = message_id


def test_a_multiple_ack_confirms_every_message_up_to_its_tag():
    flight = _flight("a", "b", "c")
    flight.on_confirm(frame.Method(1, spec.Basic.Ack(delivery_tag=2, multiple=True)))
    assert flight.confirmed == {"a", "b"} and not flight.settled()
    flight.on_confirm(frame.Method(1, spec.Basic.Ack(delivery_tag=3)))
    assert flight.confirmed == {"a", "b", "c"} and flight.settled()


def test_a_nacked_message_is_not_published():
    flight = _flight("a", "b")
    flight.on_confirm(frame.Method(1, spec.Basic.Nack(delivery_tag=2, multiple=True)))
    assert flight.confirmed == set() and set(flight.failed) == {"a", "b"}


def test_a_returned_message_is_not_published_even_though_the_broker_then_acks_it():
    flight = _flight("a", "b")
    flight.on_return(None, spec.Basic.Return(reply_code=312, reply_text="NO_ROUTE"), _Props("a"), b"{}")
    flight.on_confirm(frame.Method(1, spec.Basic.Ack(delivery_tag=2, multiple=True)))
    assert flight.confirmed == {"b"}
    assert flight.failed == {"a": "unroutable: 312 NO_ROUTE"}
