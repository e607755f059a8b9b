"""Who may call what: every endpoint x every role, and a contractor on another contractor's objects."""
import pytest
from sqlalchemy import text

from services.contracts import warning_letters
from services.contracts.app import create_app
from shared import db
from tests.integration.contracts.conftest import API, Api, contract_body, contractor_body, headers, utc
from tests.support import databases

WRITE, READ = "write", "read"

# (method, path with placeholders, body, kind, dinas' expected status)
ENDPOINTS = [
    ("POST", "/contractors", lambda s: contractor_body(), WRITE, 201),
    ("GET", "/contractors", None, READ, 200),
    ("GET", "/contractors/{own_contractor}", None, READ, 200),
    ("POST", "/contracts", lambda s: contract_body(s["own_contractor"], kecamatan=["Senapelan"]), WRITE, 201),
    ("GET", "/contracts", None, READ, 200),
    ("GET", "/contracts/{active}", None, READ, 200),
    ("POST", "/contracts/{draft}/activate", lambda s: {}, WRITE, 200),
    ("POST", "/contracts/{active}/suspend", lambda s: {"reason": "banjir"}, WRITE, 200),
    ("POST", "/contracts/{suspended}/resume", lambda s: {}, WRITE, 200),
    ("POST", "/contracts/{active}/terminate", lambda s: {"reason": "batas denda"}, WRITE, 200),
    ("POST", "/contracts/{active}/amendments", lambda s: {"daily_target_kg": 120_000}, WRITE, 201),
    ("GET", "/contracts/{active}/amendments", None, READ, 200),
    ("POST", "/contracts/{active}/warnings",
     lambda s: {"level": "SP1", "reason": "terlambat", "breach_ids": [s["breach"]]}, WRITE, 201),
    ("GET", "/contracts/{active}/warnings", None, READ, 200),
    ("GET", "/contracts/{active}/breaches", None, READ, 200),
]
ROLES = ("dinas", "auditor", "own_contractor", "other_contractor", "anonymous")


def expected(kind: str, role: str, dinas_status: int, path: str) -> int:
    if role == "anonymous":
        return 401
    if kind == WRITE:
        return dinas_status if role == "dinas" else 403
    names_an_object = "{" in path
    return 404 if role == "other_contractor" and names_an_object else 200


def build_scene(api: Api, db_url: str) -> dict:
    """Contractor A with a draft, an active and a suspended contract (cap reached on the active one); contractor B."""
    own, other = api.contractor(), api.contractor()
    ids = {"own_contractor": own["id"], "other_contractor": other["id"]}
    ids["draft"] = api.contract(own["id"], kecamatan=["Sail"])["id"]
    ids["active"] = api.active_contract(own["id"], kecamatan=["Kulim"])["id"]
    ids["suspended"] = api.active_contract(own["id"], kecamatan=["Limapuluh"])["id"]
    api.act(ids["suspended"], "suspend")
    api.active_contract(other["id"], kecamatan=["Bukit Raya"])
    with db.unit_of_work(db_url) as session:
        warning_letters.record_cap_reached(session, {"contract_id": ids["active"], "cap_rp": 1, "at": utc(2031, 3, 1)})
    ids["breach"] = api.breach(ids["active"]) if api.db_url else None
    return ids


@pytest.fixture(scope="module")
def standing(contracts_db, amqp_url):
    """One scene for every call that changes nothing (reads, refusals): built once, it keeps the matrix fast."""
    databases.truncate_all(contracts_db)
    client = create_app({"TESTING": True}).test_client()
    return client, build_scene(Api(client, contracts_db), contracts_db)


@pytest.fixture
def scene(api, db_url):
    return build_scene(api, db_url)


def _audit_entries(url: str) -> int:
    with db.unit_of_work(url) as session:
        return session.execute(text("SELECT count(*) FROM audit_log")).scalar_one()


def _token(role: str, scene: dict) -> dict:
    if role == "anonymous":
        return {}
    if role.endswith("_contractor"):
        return headers("contractor", scene[role])
    return headers(role)


def _call(client, scene, role, method, path, body):
    return client.open(API + path.format(**scene), method=method, json=body(scene) if body else None,
                       headers=_token(role, scene))


# accepted writes change the scene, so the agency's writes have a test of their own (below) on a fresh scene
UNCHANGING = [(role, *endpoint) for endpoint in ENDPOINTS for role in ROLES
              if not (role == "dinas" and endpoint[3] == WRITE)]


@pytest.mark.parametrize("role, method, path, body, kind, dinas_status", UNCHANGING,
                         ids=[f"{role} {m} {p}" for role, m, p, *_ in UNCHANGING])
def test_each_endpoint_answers_each_role_as_the_matrix_says(standing, contracts_db, role, method, path, body,
                                                           kind, dinas_status):
    client, scene = standing
    before = _audit_entries(contracts_db)
    response = _call(client, scene, role, method, path, body)
    assert response.status_code == expected(kind, role, dinas_status, path), response.get_json()
    if response.status_code >= 400:
        assert set(response.get_json()["error"]) == {"code", "message", "fields"}
    assert _audit_entries(contracts_db) == before  # reads and refusals leave no audit entry


@pytest.mark.parametrize("path", ["/contractors", "/contracts"])
def test_a_contractors_lists_hold_only_its_own_rows(standing, path):
    client, scene = standing
    body = client.get(API + path, headers=headers("contractor", scene["other_contractor"])).get_json()
    owners = {item.get("contractor_id", item["id"]) for item in body["items"]}
    assert owners == {scene["other_contractor"]}


def test_a_contractor_token_with_a_malformed_id_is_refused(standing):
    client, scene = standing
    token = headers("contractor", "not-a-uuid")  # claims are type-checked (ARCHITECTURE.md, Security): a 401
    assert client.get(f"{API}/contracts", headers=token).status_code == 401
    assert client.get(f"{API}/contracts/{scene['active']}", headers=token).status_code == 401


@pytest.mark.parametrize("method, path, body, kind, dinas_status", [e for e in ENDPOINTS if e[3] == WRITE],
                         ids=[f"{m} {p}" for m, p, _, kind, _ in ENDPOINTS if kind == WRITE])
def test_the_agency_may_call_every_write_endpoint_and_each_call_is_audited(client, scene, db_url, method, path,
                                                                           body, kind, dinas_status):
    before = _audit_entries(db_url)
    response = _call(client, scene, "dinas", method, path, body)
    assert response.status_code == dinas_status, response.get_json()
    assert _audit_entries(db_url) == before + 1
