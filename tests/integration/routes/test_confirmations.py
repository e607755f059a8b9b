"""Confirmations through HTTP: refusals, on time and late, off-site and verification, retries, supersession, excuses."""
from datetime import date, timedelta

import psycopg

from shared import clock

from tests.integration.routes.conftest import POINT_LAT, POINT_LON, bearer, register_contractor, wib

DAY = date(2026, 3, 10)


def confirm(world, pickup, collected_at, key="k-1", lat=POINT_LAT, lon=POINT_LON, headers=None, **extra):
    body = {"collected_at": collected_at.isoformat(), "lat": lat, "lon": lon, **extra}
    return world.client.post(f"/api/v1/pickups/{pickup['id']}/confirmation", json=body,
                             headers={**(headers or world.contractor), "Idempotency-Key": key})


def test_an_on_site_confirmation_in_the_window_confirms_the_pickup_on_time_and_records_the_event(world, frozen_clock):
    pickup = world.pickup_on(DAY)
    frozen_clock(wib(DAY, 14, 5))
    world.sql("INSERT INTO photos VALUES (:sha, :owner, 'image/jpeg', 1, 1, 1, 'test', :at)",
              sha="ab" * 32, owner=world.contractor_id, at=wib(DAY, 14, 1))  # as POST /photos leaves it
    response = confirm(world, pickup, wib(DAY, 14, 0), photo_sha256="ab" * 32, note="bersih")
    assert response.status_code == 201, response.json
    assert response.json["on_time"] is True and response.json["late"] is False
    assert response.json["received_at"] == wib(DAY, 14, 5).isoformat()
    assert world.get(f"/pickups/{pickup['id']}").json["status"] == "confirmed"
    [event] = world.outbox("routes.pickup.confirmed")
    assert event["data"] == {
        "pickup_id": pickup["id"], "contract_id": world.contract_id, "route_id": world.route["id"],
        "point_id": world.point_id, "date": "2026-03-10", "on_time": True, "late": False, "off_site": False,
        "collected_at": wib(DAY, 14, 0).isoformat(), "received_at": wib(DAY, 14, 5).isoformat(),
        "supersedes_missed": False}
    assert world.sql("SELECT action FROM audit_log WHERE object_id = :p", p=pickup["id"])[0][0] == "pickup.confirm"


def test_the_evidence_the_pickups_new_state_and_the_event_are_written_in_one_statement(world, frozen_clock,
                                                                                     monkeypatch):
    pickup = world.pickup_on(DAY)
    frozen_clock(wib(DAY, 14, 5))
    statements: list[str] = []
    execute = psycopg.Cursor.execute

    def seen(cursor, query, *args, **kwargs):  # psycopg's, under SQLAlchemy's and shared.db's alike
        statements.append(str(query))
        return execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", seen)
    assert confirm(world, pickup, wib(DAY, 14, 0)).status_code == 201
    monkeypatch.undo()
    writing = [s for s in statements if "INSERT INTO confirmations" in s or "INSERT INTO outbox" in s
               or "UPDATE pickups" in s]
    assert len(writing) == 1  # shared.outbox's INSERT inside the confirmation's one statement: one round trip
    assert "INSERT INTO outbox (id, type, envelope, created_at)" in writing[0]
    assert len(world.outbox("routes.pickup.confirmed")) == 1


def test_each_refusal_answers_422_with_its_code_and_leaves_the_pickup_scheduled(world, frozen_clock):
    pickup = world.pickup_on(DAY)
    cases = [  # (collected_at, received_at, code)
        (wib(DAY, 14, 3), wib(DAY, 14), "future"), (wib(DAY, 12, 59), wib(DAY, 13, 10), "before_window"),
        (wib(DAY, 18, 1), wib(DAY, 18, 2), "window_closed"), (wib(DAY, 14), wib(DAY, 15) + timedelta(hours=24), "stale")]
    for collected, received, code in cases:
        frozen_clock(received)
        response = confirm(world, pickup, collected)
        assert response.status_code == 422 and response.json["error"]["code"] == code, (code, response.json)
        assert "collected_at" in response.json["error"]["fields"]
    assert world.get(f"/pickups/{pickup['id']}").json["status"] == "scheduled"
    assert world.outbox("routes.pickup.confirmed") == []


def test_a_retry_with_the_same_key_gets_the_first_answer_and_another_key_gets_409(world, frozen_clock):
    pickup = world.pickup_on(DAY)
    frozen_clock(wib(DAY, 14, 5))
    first = confirm(world, pickup, wib(DAY, 14, 0).astimezone(clock.WIB), key="abc")  # sent with +07:00
    frozen_clock(wib(DAY, 14, 9))
    again = confirm(world, pickup, wib(DAY, 14, 0), key="abc")
    assert (again.status_code, again.json) == (first.status_code, first.json)
    other = confirm(world, pickup, wib(DAY, 14, 0), key="def")
    assert (other.status_code, other.json["error"]["code"]) == (409, "already_confirmed")
    assert len(world.outbox("routes.pickup.confirmed")) == 1


def test_an_off_site_confirmation_is_accepted_late_and_unverified_until_the_agency_verifies_it(world, frozen_clock):
    pickup = world.pickup_on(DAY)
    frozen_clock(wib(DAY, 14, 5))
    response = confirm(world, pickup, wib(DAY, 14, 0), lat=POINT_LAT + 0.002)  # about 222 m north
    assert response.status_code == 201
    assert (response.json["off_site"], response.json["on_time"]) == (True, False)
    assert 200 < response.json["distance_m"] < 250
    verified = world.post(f"/pickups/{pickup['id']}/verify", {"reason": "GPS drift under the market roof"})
    assert verified.status_code == 200 and verified.json["verified_at"]
    [event] = world.outbox("routes.pickup.verified")
    assert event["data"]["reason"] == "GPS drift under the market roof"
    twice = world.post(f"/pickups/{pickup['id']}/verify", {"reason": "again"})
    assert (twice.status_code, twice.json["error"]["code"]) == (409, "not_awaiting_verification")


def test_a_confirmation_synced_after_the_sweep_missed_the_pickup_supersedes_the_miss(world, frozen_clock):
    pickup = world.pickup_on(DAY)
    world.sql("UPDATE pickups SET status = 'missed', missed_at = :at WHERE id = :p", at=wib(DAY, 18, 1), p=pickup["id"])
    frozen_clock(wib(DAY, 22))
    response = confirm(world, pickup, wib(DAY, 15, 30))
    assert response.status_code == 201
    assert (response.json["supersedes_missed"], response.json["late"]) == (True, True)
    detail = world.get(f"/pickups/{pickup['id']}").json
    assert (detail["status"], detail["superseded_miss"]) == ("confirmed", True)
    assert world.outbox("routes.pickup.confirmed")[0]["data"]["supersedes_missed"] is True


def test_an_excused_pickup_cannot_be_confirmed_and_a_confirmed_one_cannot_be_excused(world, frozen_clock):
    pickup = world.pickup_on(DAY)
    other = world.client.get("/api/v1/pickups", headers=world.dinas).json["items"][0]
    assert other["id"] == pickup["id"]
    excused = world.post(f"/pickups/{pickup['id']}/excuse", {"reason": "banjir: Jl. Yos Sudarso under water"})
    assert (excused.status_code, excused.json["status"]) == (200, "excused")
    assert world.outbox("routes.pickup.excused")[0]["data"]["date"] == "2026-03-10"
    frozen_clock(wib(DAY, 14, 5))
    assert confirm(world, pickup, wib(DAY, 14)).json["error"]["code"] == "excused"
    second = world.pickup_on(DAY + timedelta(days=1))
    frozen_clock(wib(DAY + timedelta(days=1), 14, 5))
    assert confirm(world, second, wib(DAY + timedelta(days=1), 14)).status_code == 201
    refused = world.post(f"/pickups/{second['id']}/excuse", {"reason": "too late"})
    assert (refused.status_code, refused.json["error"]["code"]) == (409, "not_excusable")


def test_a_missed_pickup_may_be_excused(world):
    pickup = world.pickup_on(DAY)
    world.sql("UPDATE pickups SET status = 'missed' WHERE id = :p", p=pickup["id"])
    assert world.post(f"/pickups/{pickup['id']}/excuse", {"reason": "road closed"}).status_code == 200


def test_another_contractor_neither_sees_nor_confirms_the_pickup(world, frozen_clock):
    pickup = world.pickup_on(DAY)
    stranger = bearer("contractor", register_contractor(world.db, "PT Lain"))
    frozen_clock(wib(DAY, 14, 5))
    assert confirm(world, pickup, wib(DAY, 14), headers=stranger).status_code == 404
    assert world.get(f"/pickups/{pickup['id']}", headers=stranger).status_code == 404
    assert world.get("/pickups", headers=stranger).json["items"] == []
    assert world.get("/pickups", headers=world.contractor).json["page"]["total"] == 1


def test_a_confirmation_of_a_suspended_contracts_pickup_is_a_conflict(world, frozen_clock):
    from shared import clock
    from tests.integration.routes.conftest import deliver

    pickup = world.pickup_on(DAY)
    # suspended after the window ended, while a driver who collected at 14:00 is still to sync
    deliver(world.db, "contracts.contract.suspended", {"contract_id": world.contract_id, "reason": "SP3",
                                                       "at": wib(DAY, 17, 30)})
    frozen_clock(wib(DAY, 17, 35))
    response = confirm(world, pickup, wib(DAY, 14))
    # second edition: the day of a suspension is not in force, so its pickups were excused (never a miss)
    assert (response.status_code, response.json["error"]["code"]) == (409, "excused")


def test_pickups_are_filtered_by_date_and_status(world):
    world.schedule(DAY, DAY + timedelta(days=2))
    assert world.get("/pickups", date="2026-03-11").json["page"]["total"] == 1
    assert world.get("/pickups", status="scheduled").json["page"]["total"] == 3
    assert world.get("/pickups", status="missed").json["page"]["total"] == 0
    assert world.get("/pickups", status="lost").status_code == 422


def test_two_racing_confirmations_of_one_pickup_make_one_confirmation_and_a_conflict(world, frozen_clock, routes_app):
    import threading

    pickup = world.pickup_on(DAY)
    frozen_clock(wib(DAY, 14, 5))
    answers = []

    def send(key):
        client = routes_app.test_client()
        answers.append(client.post(f"/api/v1/pickups/{pickup['id']}/confirmation", headers={
            **world.contractor, "Idempotency-Key": key}, json={"collected_at": wib(DAY, 14).isoformat(),
                                                               "lat": POINT_LAT, "lon": POINT_LON}).status_code)

    threads = [threading.Thread(target=send, args=(key,)) for key in ("phone-a", "phone-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [201, 409]
    assert world.sql("SELECT count(*) FROM confirmations")[0][0] == 1
    assert len(world.outbox("routes.pickup.confirmed")) == 1


def test_a_failed_write_leaves_nothing_behind_and_the_retry_confirms(world, frozen_clock, monkeypatch):
    """The writes, the audit entry and the COMMIT go in one pipeline: a statement that fails there rolls the whole
    confirmation back (no evidence, no event, no audit entry, the pickup still scheduled) and the connection
    serves the retry."""
    from services.routes import pickups as use_cases

    pickup = world.pickup_on(DAY)
    frozen_clock(wib(DAY, 14, 5))
    one_params = use_cases.outbox.one_params
    monkeypatch.setattr(use_cases.outbox, "one_params",
                        lambda envelope, created_at=None: {**one_params(envelope, created_at), "outbox_envelope": "{"})
    failed = confirm(world, pickup, wib(DAY, 14, 0))
    assert failed.status_code == 422  # the database refused a value (shared.errors)
    assert world.get(f"/pickups/{pickup['id']}").json["status"] == "scheduled"
    assert world.sql("SELECT count(*) FROM confirmations WHERE pickup_id = :p", p=pickup["id"])[0][0] == 0
    assert world.sql("SELECT count(*) FROM audit_log WHERE object_id = :p", p=pickup["id"])[0][0] == 0
    assert world.outbox("routes.pickup.confirmed") == []
    monkeypatch.undo()
    retried = confirm(world, pickup, wib(DAY, 14, 0))
    assert retried.status_code == 201, retried.json
    assert world.get(f"/pickups/{pickup['id']}").json["status"] == "confirmed"
    assert len(world.outbox("routes.pickup.confirmed")) == 1
