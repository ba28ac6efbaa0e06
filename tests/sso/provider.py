"""A small but faithful OpenID Connect provider for the tests, in a thread on a free port.

Discovery, JWKS, authorize (auto-consent: issues a one-time code for `provider.user`), token
(checks client secret, redirect_uri and the PKCE S256 verifier; returns an RS256 ID token signed
with a key generated per test session) and userinfo. `provider.tamper` bends the next ID token
(wrong audience, stale expiry, other nonce, foreign signing key) to test the relying party.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "baomi-test"
CLIENT_SECRET = "client#Secret2026"


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Provider:
    def __init__(self) -> None:
        self.key = _new_key()
        self.foreign_key = _new_key()  # for "bad signature": same kid, key the provider never published
        self.kid = "test-key-1"
        self.user = "zhoujing"
        self.tamper: dict[str, Any] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.token_requests: list[dict[str, str]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}/realms/baomi"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Provider:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        self.user, self.tamper = "zhoujing", {}
        self.codes.clear()
        self.token_requests.clear()

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/protocol/openid-connect/auth",
            "token_endpoint": f"{self.issuer}/protocol/openid-connect/token",
            "userinfo_endpoint": f"{self.issuer}/protocol/openid-connect/userinfo",
            "jwks_uri": f"{self.issuer}/protocol/openid-connect/certs",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def id_token(self, grant: dict[str, Any]) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": f"sub-{grant['user']}", "aud": CLIENT_ID, "iat": now,
                  "exp": now + 300, "nonce": grant["nonce"], "preferred_username": grant["user"],
                  "auth_time": now}
        claims.update({k: v for k, v in self.tamper.items() if k != "foreign_key"})
        key = self.foreign_key if self.tamper.get("foreign_key") else self.key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    base = urlsplit("http://x/realms/baomi").path

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _json(self, body: dict[str, Any], status: int = 200) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == f"{base}/.well-known/openid-configuration":
                return self._json(provider.discovery())
            if url.path == f"{base}/protocol/openid-connect/certs":
                return self._json(provider.jwks())
            if url.path == f"{base}/protocol/openid-connect/auth":
                if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
                    return self._json({"error": "invalid_request"}, 400)
                code = secrets.token_urlsafe(16)
                provider.codes[code] = {"user": provider.user, "nonce": query.get("nonce"),
                                        "redirect_uri": query["redirect_uri"],
                                        "challenge": query.get("code_challenge"),
                                        "method": query.get("code_challenge_method")}
                target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
                self.send_response(302)
                self.send_header("Location", target)
                self.end_headers()
                return None
            if url.path == f"{base}/protocol/openid-connect/userinfo":
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                return self._json({"sub": f"sub-{token}", "preferred_username": token})
            return self._json({"error": "not_found"}, 404)

        def do_POST(self) -> None:
            if urlsplit(self.path).path != f"{base}/protocol/openid-connect/token":
                return self._json({"error": "not_found"}, 404)
            length = int(self.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            provider.token_requests.append(form)
            grant = provider.codes.pop(form.get("code", ""), None)  # one use only
            if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
                return self._json({"error": "invalid_client"}, 401)
            if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
                return self._json({"error": "invalid_grant"}, 400)
            if grant["challenge"]:
                digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
                    return self._json({"error": "invalid_grant", "error_description": "PKCE"}, 400)
            return self._json({"access_token": grant["user"], "token_type": "Bearer", "expires_in": 300,
                               "id_token": provider.id_token(grant)})

    return Handler
