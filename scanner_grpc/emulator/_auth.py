"""The emulator's auth: the bearer check and the two token endpoints.

When auth is on, every ScannerService call must carry
``Authorization: Bearer <token>`` with a token that the emulator's
``TokenAuthority`` issued and that has not expired. The IAM token exchange
and the VM metadata endpoint hand out such tokens; they are served on the
REST port and answer through the same authority. No message here ever quotes
a token.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from google.rpc import code_pb2

from scanner_grpc.emulator._iam import AuthorityError, IssuedToken
from scanner_grpc.emulator._status import RpcFailure, invalid_argument

__all__ = [
    "IAM_TOKENS_PATH",
    "METADATA_TOKEN_PATH",
    "Authority",
    "check_bearer",
    "exchange_jwt",
    "metadata_token",
]

# Paths, not secrets.
IAM_TOKENS_PATH = "/iam/v1/tokens"
METADATA_TOKEN_PATH = "/computeMetadata/v1/instance/service-accounts/default/token"  # noqa: S105


class Authority(Protocol):
    """The part of ``TokenAuthority`` that the emulator serves from."""

    def is_valid(self, token: str) -> bool: ...

    def exchange_jwt(self, jwt: str) -> IssuedToken: ...

    def metadata_token(self) -> IssuedToken: ...


def check_bearer(headers: Mapping[str, str], authority: Authority) -> None:
    """Raises ``UNAUTHENTICATED`` unless ``headers`` carry a valid bearer token.

    Args:
        headers: The request's headers or metadata, names lower-cased.
        authority: Judges the token.
    """
    value = headers.get("authorization")
    if value is None:
        raise _unauthenticated(
            "The request has no Authorization header; send "
            "'Authorization: Bearer <IAM token>'"
        )
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthenticated("The Authorization header must be 'Bearer <IAM token>'")
    if not authority.is_valid(token.strip()):
        raise _unauthenticated("Token is invalid or has expired.")


def exchange_jwt(body: bytes, authority: Authority) -> dict[str, Any]:
    """Answers ``POST /iam/v1/tokens``: a JWT in, ``iamToken``/``expiresAt`` out."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        document = None
    if not isinstance(document, dict):
        raise invalid_argument(
            'The request body must be a JSON object such as {"jwt": "..."}'
        )
    jwt = document.get("jwt")
    if jwt is None:
        other = "yandexPassportOauthToken" in document
        raise invalid_argument(
            'The emulator exchanges only JWTs, not OAuth tokens; send {"jwt": "..."}'
            if other
            else 'The request body has no "jwt" field',
            [("jwt", "required")],
        )
    if not isinstance(jwt, str):
        raise invalid_argument('"jwt" must be a string', [("jwt", "not a string")])
    issued = _from_authority(lambda: authority.exchange_jwt(jwt))
    return {"iamToken": issued.value, "expiresAt": issued.expires_at_rfc3339()}


def metadata_token(
    headers: Mapping[str, str], authority: Authority, clock: Callable[[], float]
) -> dict[str, Any]:
    """Answers the metadata service's token request, as a VM's would."""
    if headers.get("metadata-flavor", "").lower() != "google":
        raise RpcFailure(
            code_pb2.PERMISSION_DENIED,
            "Missing the 'Metadata-Flavor: Google' header",
        )
    issued = _from_authority(authority.metadata_token)
    return {
        "access_token": issued.value,
        "expires_in": issued.expires_in(clock()),
        "token_type": "Bearer",
    }


def _from_authority(ask: Callable[[], IssuedToken]) -> IssuedToken:
    try:
        return ask()
    except AuthorityError as error:
        raise RpcFailure(error.code, error.message) from None


def _unauthenticated(message: str) -> RpcFailure:
    return RpcFailure(code_pb2.UNAUTHENTICATED, message)
