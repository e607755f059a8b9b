"""shared.outbox's SQL for set-based producers is checked against the event's schema when it is built, not when it runs."""
import pytest

from shared import outbox

MISSED = {"pickup_id": "CAST(r.id AS text)", "contract_id": "CAST(r.contract_id AS text)",
          "route_id": "CAST(r.route_id AS text)", "point_id": "CAST(r.point_id AS text)",
          "date": outbox.dumped_date("r.date"), "window_end": outbox.dumped_instant("r.window_end_at")}


def test_the_statement_writes_the_outbox_columns_and_the_envelope_head_once():
    sql = outbox.insert_from_rows("routes.pickup.missed", "missed", MISSED, producer="routes",
                                  order_by=("window_end_at", "id"))
    assert sql.startswith("INSERT INTO outbox (id, type, envelope, created_at)")
    for head in ('"id":"', '"type":"routes.pickup.missed"', '"version": 1', '"occurred_at":', '"producer":"routes"',
                 '"correlation_id":', '"data":{'):
        assert head in sql
    assert "FROM missed ORDER BY window_end_at, id" in sql  # sorted while narrow, before the envelopes are built
    assert outbox.INSERT_ONE.startswith("INSERT INTO outbox (id, type, envelope, created_at) VALUES")


def test_a_field_the_schema_does_not_have_is_refused():
    with pytest.raises(ValueError, match="unknown fields \\['late'\\]"):
        outbox.insert_from_rows("routes.pickup.missed", "missed", {**MISSED, "late": "true"}, producer="routes",
                                order_by=())


def test_a_required_field_left_out_is_refused():
    partial = {key: value for key, value in MISSED.items() if key != "window_end"}
    with pytest.raises(ValueError, match="missing fields \\['window_end'\\]"):
        outbox.insert_from_rows("routes.pickup.missed", "missed", partial, producer="routes", order_by=())


def test_an_unknown_type_is_refused():
    from shared.events import UnknownEventType
    with pytest.raises(UnknownEventType):
        outbox.insert_from_rows("routes.pickup.vanished", "missed", MISSED, producer="routes", order_by=())


@pytest.mark.parametrize("names", [
    {"type_": "routes.pickup.missed'; DROP TABLE outbox; --"}, {"producer": "rou'tes"}, {"order_by": ("id desc",)}])
def test_names_written_into_the_sql_must_be_plain(names):
    arguments = {"type_": "routes.pickup.missed", "producer": "routes", "order_by": ("id",), **names}
    with pytest.raises(ValueError, match="not a plain name"):
        outbox.insert_from_rows(rows="missed", data=MISSED, **arguments)
