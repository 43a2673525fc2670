"""API keys and transport security.

API keys live in a JSON file (setting `api_keys_file`), stored as SHA-256 digests so
the file holds no secret:

    {"keys": [{"name": "chat-frontend", "sha256": "<hex>", "tenants": ["acme"]},
              {"name": "ops", "sha256": "<hex>", "tenants": ["*"]}]}

`python -m services.common.auth new-key --name chat-frontend --tenant acme` prints a
fresh key and its entry. A call without a key, or with an unknown one, is
UNAUTHENTICATED; a known key used for a tenant it does not list is PERMISSION_DENIED.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc

from services.common.errors import PermissionDenied, Unauthenticated

ALL_TENANTS = "*"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the key's name and the tenants it may act for."""

    name: str
    tenants: frozenset[str]

    def may_access(self, tenant_id: str) -> bool:
        return ALL_TENANTS in self.tenants or tenant_id in self.tenants


ANONYMOUS = Principal(name="anonymous", tenants=frozenset({ALL_TENANTS}))


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeys:
    """The configured keys, looked up by digest in constant time per entry."""

    def __init__(self, entries: Iterable[tuple[str, Principal]]) -> None:
        self._by_digest = dict(entries)

    @classmethod
    def load(cls, path: Path) -> ApiKeys:
        try:
            document = json.loads(path.read_text())
            entries = [
                (str(e["sha256"]).lower(), Principal(str(e["name"]), frozenset(e["tenants"])))
                for e in document["keys"]
            ]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"api keys file {path} is not valid: {exc}") from exc
        return cls(entries)

    def authenticate(self, metadata: Sequence[tuple[str, str | bytes]] | None) -> Principal:
        header = next((v for k, v in metadata or () if k == "authorization"), None)
        if header is None:
            raise Unauthenticated(
                "missing API key: send `authorization: Bearer <key>` metadata",
                reason="API_KEY_MISSING",
            )
        value = header.decode() if isinstance(header, bytes) else header
        scheme, _, key = value.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise Unauthenticated(
                "malformed authorization metadata: expected `Bearer <key>`",
                reason="API_KEY_MALFORMED",
            )
        digest = key_digest(key.strip())
        for known, principal in self._by_digest.items():
            if hmac.compare_digest(known, digest):
                return principal
        raise Unauthenticated("API key not recognised", reason="API_KEY_INVALID")


def check_tenant(principal: Principal, tenant_id: str) -> None:
    if not principal.may_access(tenant_id):
        raise PermissionDenied(
            f"this API key may not act for tenant {tenant_id!r}",
            reason="TENANT_NOT_ALLOWED",
            metadata={"tenant_id": tenant_id},
        )


def server_credentials(
    cert_file: Path, key_file: Path, client_ca_file: Path | None
) -> grpc.ServerCredentials:
    """TLS credentials; with a client CA, clients must present a certificate (mTLS)."""
    return grpc.ssl_server_credentials(
        [(key_file.read_bytes(), cert_file.read_bytes())],
        root_certificates=client_ca_file.read_bytes() if client_ca_file else None,
        require_client_auth=client_ca_file is not None,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services.common.auth",
        description="Make an API key and the entry to put in the api_keys_file.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    new = sub.add_parser("new-key", help="print a new random key and its JSON entry")
    new.add_argument("--name", required=True, help="who uses the key (appears in logs)")
    new.add_argument(
        "--tenant", action="append", required=True, help="tenant it may act for; '*' for all"
    )
    args = parser.parse_args(argv)
    key = secrets.token_urlsafe(32)
    entry = {"name": args.name, "sha256": key_digest(key), "tenants": args.tenant}
    print(f"key (give it to the caller, it is not stored): {key}")
    print(f"entry for the api keys file: {json.dumps(entry)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
