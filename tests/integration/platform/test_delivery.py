"""An event recorded in a committed transaction reaches the consumer once in effect; a rolled-back one never leaves."""
from shared import outbox
from shared.inbox import inbox
from tests.integration.platform import things
from tests.integration.platform.conftest import count, record
from tests.support.broker import wait_until
from tests.support.processes import events_running


def test_a_committed_event_is_published_and_applied_once(database_url, amqp_url, service, settings, tap):
    with events_running(service, things.HANDLERS, database_url, amqp_url, settings=settings):
        [thing_id] = record(database_url, "hello")
        wait_until(lambda: count(database_url, things.effects) == 1, message="the effect")
        wait_until(lambda: count(database_url, outbox.outbox, outbox.outbox.c.sent_at.isnot(None)) == 1,
                   message="the row marked sent")
    published = tap.drain(expect=1)
    assert [(m["type"], m["data"]["thing_id"]) for m in published] == [(things.HAPPENED, thing_id)]
    assert count(database_url, inbox) == 1
    assert count(database_url, things.effects, things.effects.c.thing_id == thing_id) == 1


def test_an_event_of_a_rolled_back_transaction_never_leaves(database_url, amqp_url, service, settings, tap):
    with events_running(service, things.HANDLERS, database_url, amqp_url, settings=settings):
        record(database_url, "never", commit=False)
        [kept] = record(database_url, "kept")
        wait_until(lambda: count(database_url, things.effects) == 1, message="the committed event's effect")
    assert [m["data"]["thing_id"] for m in tap.drain(expect=1, timeout=1)] == [kept]
    assert count(database_url, outbox.outbox) == 1
