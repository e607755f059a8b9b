"""A tiny OpenID Connect provider for tests: discovery, JWKS, an authorization endpoint that signs in whoever the
test says, and a token endpoint issuing RS256 id_tokens (joserfc, Authlib's JOSE library), served over real HTTP by the test."""
from __future__ import annotations

import secrets
import time
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from flask import Flask, abort, jsonify, redirect, request


def create_provider(client_id: str, client_secret: str) -> Flask:
    """`app.config["ISSUER"]` must be set to the served base URL; `app.config["PERSON"]` holds the claims of the
    person who 'signs in' next (None: the provider refuses)."""
    app = Flask("oidc-provider")
    key = RSAKey.generate_key(2048)
    kid = key.thumbprint()
    codes: dict[str, dict] = {}
    app.config.update(PERSON=None, ISSUED=[])

    @app.get("/.well-known/openid-configuration")
    def discovery():
        issuer = app.config["ISSUER"]
        return jsonify(issuer=issuer, authorization_endpoint=f"{issuer}/authorize", token_endpoint=f"{issuer}/token",
                       jwks_uri=f"{issuer}/jwks", response_types_supported=["code"], subject_types_supported=["public"],
                       id_token_signing_alg_values_supported=["RS256"],
                       token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"])

    @app.get("/jwks")
    def jwks():
        public = key.as_dict(private=False)
        return jsonify(keys=[{**public, "kid": kid, "use": "sig", "alg": "RS256"}])

    @app.get("/authorize")
    def authorize():
        if request.args.get("client_id") != client_id or request.args.get("response_type") != "code":
            abort(400)
        person = app.config["PERSON"]
        target = request.args["redirect_uri"]
        if person is None:
            return redirect(f"{target}?{urlencode({'error': 'access_denied', 'state': request.args.get('state')})}")
        code = secrets.token_urlsafe(16)
        codes[code] = {"person": dict(person), "nonce": request.args.get("nonce"), "redirect_uri": target}
        return redirect(f"{target}?{urlencode({'code': code, 'state': request.args.get('state')})}")

    @app.post("/token")
    def token():
        auth = request.authorization
        sent_id, sent_secret = (auth.username, auth.password) if auth else (request.form.get("client_id"),
                                                                            request.form.get("client_secret"))
        if (sent_id, sent_secret) != (client_id, client_secret):
            return jsonify(error="invalid_client"), 401
        grant = codes.pop(request.form.get("code", ""), None)
        if grant is None or grant["redirect_uri"] != request.form.get("redirect_uri"):
            return jsonify(error="invalid_grant"), 400
        now = int(time.time())
        claims = {"iss": app.config["ISSUER"], "aud": client_id, "iat": now, "exp": now + 300,
                  "nonce": grant["nonce"], **grant["person"]}
        id_token = jwt.encode({"alg": "RS256", "kid": kid}, claims, key)
        app.config["ISSUED"].append(claims)
        return jsonify(access_token=secrets.token_urlsafe(16), token_type="Bearer", expires_in=300, id_token=id_token)

    return app
