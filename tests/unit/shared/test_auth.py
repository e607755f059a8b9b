import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify

from shared import auth, config, errors
from shared.errors import ApiError


def _app():
    app = Flask("t")
    errors.register(app)

    @app.post("/write")
    @auth.roles("dinas")
    def write():
        return jsonify(role=auth.current().role)

    @app.get("/read")
    @auth.roles(*auth.READERS)
    def read():
        return jsonify(contractor_id=auth.current().contractor_id)

    return app.test_client()


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_no_token_is_401_with_the_error_shape():
    response = _app().get("/read")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthenticated"


def test_a_token_signed_with_another_secret_is_401():
    forged = jwt.encode({"sub": "x", "role": "dinas", "exp": int(time.time()) + 60}, "not-the-secret-but-long-enough-to-be-a-key-0123456789", "HS256")
    response = _app().post("/write", headers=_bearer(forged))
    assert (response.status_code, response.json["error"]["code"]) == (401, "invalid_token")


def test_an_expired_token_is_401():
    expired = auth.mint("dinas", ttl_seconds=-10)
    response = _app().post("/write", headers=_bearer(expired))
    assert (response.status_code, response.json["error"]["code"]) == (401, "token_expired")


@pytest.mark.parametrize("role,contractor_id", [("auditor", None), ("contractor", "6f1c1d2e-5b7a-4c39-9d43-0c2f8a1e7b11")])
def test_a_role_not_allowed_to_write_is_403(role, contractor_id):
    response = _app().post("/write", headers=_bearer(auth.mint(role, contractor_id=contractor_id)))
    assert (response.status_code, response.json["error"]["code"]) == (403, "forbidden")


def test_an_allowed_role_passes_with_its_claims():
    contractor_id = "6f1c1d2e-5b7a-4c39-9d43-0c2f8a1e7b10"
    response = _app().get("/read", headers=_bearer(auth.mint("contractor", contractor_id=contractor_id)))
    assert (response.status_code, response.json) == (200, {"contractor_id": contractor_id})


def test_a_contractor_token_without_contractor_id_is_refused():
    token = jwt.encode({"sub": "x", "role": "contractor", "exp": int(time.time()) + 60},
                       config.auth().secret, "HS256")
    with pytest.raises(ApiError) as refused:
        auth.verify(token)
    assert refused.value.status == 401


def test_an_unknown_role_is_refused():
    token = jwt.encode({"sub": "x", "role": "mayor", "exp": int(time.time()) + 60}, config.auth().secret, "HS256")
    with pytest.raises(ApiError):
        auth.verify(token)


def test_rs256_tokens_verify_against_the_configured_public_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    settings = config.AuthSettings(algorithm="RS256", public_key=public_pem)
    token = jwt.encode({"sub": "officer-1", "role": "dinas", "exp": int(time.time()) + 60}, key, "RS256")
    assert auth.verify(token, settings) == auth.Principal(sub="officer-1", role="dinas")
    # an HS256 token signed with the public key as secret must not pass (algorithm confusion)
    with pytest.raises(ApiError):
        auth.verify(auth.mint("dinas"), settings)
