import json
import uuid
from datetime import date

import pytest

from shared import events


def _missed():
    return {"pickup_id": uuid.uuid4(), "contract_id": uuid.uuid4(), "route_id": uuid.uuid4(),
            "point_id": uuid.uuid4(), "date": date(2026, 11, 2), "window_end": "2026-11-02T00:00:00+00:00"}


def test_an_envelope_carries_the_catalogue_fields():
    envelope = events.make("routes.pickup.missed", _missed(), producer="routes").to_dict()
    assert set(envelope) == {"id", "type", "version", "occurred_at", "producer", "correlation_id", "data"}
    assert envelope["data"]["date"] == "2026-11-02"


def test_publishing_an_unknown_type_fails_in_the_producer():
    with pytest.raises(events.UnknownEventType):
        events.make("routes.pickup.teleported", {}, producer="routes")


def test_publishing_invalid_data_fails_in_the_producer_with_the_field():
    data = _missed()
    del data["contract_id"]
    with pytest.raises(events.InvalidEvent) as refused:
        events.make("routes.pickup.missed", data, producer="routes")
    assert "contract_id" in refused.value.errors


def test_a_consumer_ignores_fields_it_does_not_know():
    envelope = events.make("routes.pickup.missed", _missed(), producer="routes").to_dict()
    envelope["data"]["new_field_from_a_newer_producer"] = 1
    parsed = events.parse(json.dumps(envelope).encode())
    assert "new_field_from_a_newer_producer" not in parsed.data
    assert parsed.data["date"] == date(2026, 11, 2)


def test_a_malformed_body_is_a_value_error():
    with pytest.raises(ValueError):
        events.parse(b"{not json")
