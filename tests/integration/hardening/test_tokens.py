"""Finding 1: no built-in secret, bounded token lifetimes, typed claims (a bad claim is a 401, never a 500)."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import jwt
import pytest

from shared import auth, config
from tests.support.system import ROOT, free_ports

API = "/api/v1"


def _env_without_secret(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "KAWAL_JWT_SECRET"}
    env.update(extra)
    return env


@pytest.mark.parametrize("secret", [None, "", "too-short-a-secret"])
def test_an_api_process_without_a_long_enough_secret_refuses_to_start_naming_the_variable(contracts_db, secret):
    env = _env_without_secret(**({"KAWAL_JWT_SECRET": secret} if secret is not None else {}))
    port = free_ports(1)[0]
    process = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "gunicorn"), "-w", "1", "-b",
                                f"127.0.0.1:{port}", "services.contracts.app:create_app()"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail("gunicorn started serving without a secret")
    assert process.returncode != 0
    assert "KAWAL_JWT_SECRET" in stderr


def test_the_development_token_command_refuses_without_a_secret():
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "kawal"), "token", "--role", "dinas"],
                          cwd=ROOT, env=_env_without_secret(), capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "KAWAL_JWT_SECRET" in done.stderr + done.stdout


def test_no_secret_is_printed_in_the_source():
    assert config.AuthSettings().secret is None


def _sign(claims: dict) -> str:
    return jwt.encode(claims, config.auth().secret, algorithm="HS256")


@pytest.fixture
def app_client(contracts_db, amqp_url):
    from services.contracts.app import create_app

    return create_app({"TESTING": True}).test_client()


def _get(client, token: str):
    return client.get(f"{API}/contracts", headers={"Authorization": f"Bearer {token}"})


def test_a_token_that_lives_too_long_is_refused(app_client):
    far = _sign({"sub": "x", "role": "dinas", "exp": 10**11})
    response = _get(app_client, far)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"


def test_a_token_without_expiry_is_refused(app_client):
    assert _get(app_client, _sign({"sub": "x", "role": "dinas"})).status_code == 401


def test_an_absurd_expiry_is_a_401_not_a_500(app_client):
    assert _get(app_client, _sign({"sub": "x", "role": "dinas", "exp": 1e20})).status_code == 401


@pytest.mark.parametrize("claims", [
    {"sub": "x", "role": "contractor", "contractor_id": "not-a-uuid"},
    {"sub": "x", "role": "contractor", "contractor_id": 12345},
    {"sub": "x", "role": "contractor", "contractor_id": ["a"]},
    {"sub": {"nested": 1}, "role": "dinas"},
    {"sub": "x" * 500, "role": "dinas"},
    {"sub": "x", "role": ["dinas"]},
])
def test_a_claim_of_the_wrong_type_is_a_401(app_client, claims):
    token = _sign({**claims, "exp": int(time.time()) + 600})
    response = _get(app_client, token)
    assert response.status_code == 401, response.get_json()


@pytest.mark.parametrize("service", ["routes", "billing"])
def test_a_contractor_id_that_is_not_a_uuid_is_a_401_in_routes_and_billing(service, routes_db, billing_db, amqp_url):
    import importlib

    app = importlib.import_module(f"services.{service}.app").create_app({"TESTING": True})
    token = _sign({"sub": "x", "role": "contractor", "contractor_id": "bukan-uuid", "exp": int(time.time()) + 600})
    path = {"routes": "/pickups", "billing": "/invoices"}[service]
    response = app.test_client().get(f"{API}{path}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_a_verified_token_is_cached_but_not_past_its_expiry():
    token = auth.mint("dinas", ttl_seconds=60)
    first = auth.verify(token)
    assert auth.verify(token) is first  # the cache answered
    with pytest.raises(auth.ApiError) as refused:
        auth.verify(token, now=time.time() + 61)
    assert refused.value.status == 401


def test_the_token_cache_is_bounded():
    for n in range(auth.CACHE_SIZE + 50):
        auth.verify(auth.mint("auditor", sub=f"auditor-{n}", ttl_seconds=60))
    assert len(auth._cache) <= auth.CACHE_SIZE
