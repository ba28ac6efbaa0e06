"""A faithful software authenticator for tests: what a browser plus a FIDO2 key return to
navigator.credentials.create()/get(), as the JSON that static/securitykeys/webauthn.js posts.

EC P-256 keys (COSE alg -7), "none" attestation, CBOR by cbor2, a signature counter per
credential. `clone()` copies the keys and counters, as an attacker who extracted them would.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import struct
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

FLAG_UP, FLAG_UV, FLAG_AT = 0x01, 0x04, 0x40


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Credential:
    credential_id: bytes
    private_key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    counter: int = 0


@dataclass
class SoftAuthenticator:
    aaguid: bytes = bytes(16)
    user_verified: bool = True
    # Keys that keep no counter (always 0) are allowed by the spec; most hardware keys count.
    counts: bool = True
    credentials: dict[bytes, Credential] = field(default_factory=dict)

    def clone(self) -> SoftAuthenticator:
        twin = copy.copy(self)
        twin.credentials = {cid: copy.copy(cred) for cid, cred in self.credentials.items()}
        return twin

    def _flags(self, *extra: int) -> int:
        flags = FLAG_UP | (FLAG_UV if self.user_verified else 0)
        for bit in extra:
            flags |= bit
        return flags

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}).encode()

    @staticmethod
    def _cose_key(private_key: ec.EllipticCurvePrivateKey) -> bytes:
        numbers = private_key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def create(self, options: dict[str, Any], origin: str, *, challenge: str | None = None) -> dict[str, Any]:
        """navigator.credentials.create({publicKey: options}) with `options` as the server's JSON."""
        if not any(p["type"] == "public-key" and p["alg"] == -7 for p in options["pubKeyCredParams"]):
            raise ValueError("ES256 not offered")
        excluded = {unb64u(d["id"]) for d in options.get("excludeCredentials", [])}
        if excluded & set(self.credentials):
            raise ValueError("InvalidStateError: this authenticator already holds a credential for this account")
        rp_id = options["rp"]["id"]
        cred = Credential(os.urandom(32), ec.generate_private_key(ec.SECP256R1()), rp_id, unb64u(options["user"]["id"]))
        self.credentials[cred.credential_id] = cred
        auth_data = (
            hashlib.sha256(rp_id.encode()).digest()
            + bytes([self._flags(FLAG_AT)])
            + struct.pack(">I", cred.counter)
            + self.aaguid
            + struct.pack(">H", len(cred.credential_id))
            + cred.credential_id
            + self._cose_key(cred.private_key)
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", challenge or options["challenge"], origin)
        return {
            "id": b64u(cred.credential_id),
            "rawId": b64u(cred.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "cross-platform",
            "clientExtensionResults": {},
            "response": {"clientDataJSON": b64u(client_data), "attestationObject": b64u(attestation),
                         "transports": ["usb"]},
        }

    def get(self, options: dict[str, Any], origin: str, *, challenge: str | None = None) -> dict[str, Any]:
        """navigator.credentials.get({publicKey: options}): signs with the first allowed credential held."""
        allowed = [unb64u(d["id"]) for d in options.get("allowCredentials", [])]
        cred = next((self.credentials[cid] for cid in allowed if cid in self.credentials), None)
        if cred is None:
            raise ValueError("NotAllowedError: no credential of this authenticator is allowed")
        if cred.rp_id != options["rpId"]:
            raise ValueError("SecurityError: rp id mismatch")
        if self.counts:
            cred.counter += 1
        rp_id_hash = hashlib.sha256(cred.rp_id.encode()).digest()
        auth_data = rp_id_hash + bytes([self._flags()]) + struct.pack(">I", cred.counter)
        client_data = self._client_data("webauthn.get", challenge or options["challenge"], origin)
        signature = cred.private_key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64u(cred.credential_id),
            "rawId": b64u(cred.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "cross-platform",
            "clientExtensionResults": {},
            "response": {"clientDataJSON": b64u(client_data), "authenticatorData": b64u(auth_data),
                         "signature": b64u(signature), "userHandle": b64u(cred.user_handle)},
        }
