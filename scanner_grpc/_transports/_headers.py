"""The headers (HTTP) and metadata (gRPC) that every call carries.

Both transports send the same names: ``x-client-request-id`` (new for every
attempt), ``x-client-trace-id`` (one for all the attempts of a call),
``user-agent``, ``authorization`` when the client has credentials, and the
caller's own metadata.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

from scanner_grpc._errors import Unauthenticated
from scanner_grpc._version import __version__

__all__ = [
    "AUTHORIZATION",
    "CLIENT_REQUEST_ID",
    "CLIENT_TRACE_ID",
    "REQUEST_ID",
    "SERVER_TRACE_ID",
    "USER_AGENT",
    "Authorization",
    "Metadata",
    "check_metadata",
    "new_id",
    "user_agent",
]

CLIENT_REQUEST_ID = "x-client-request-id"
CLIENT_TRACE_ID = "x-client-trace-id"
REQUEST_ID = "x-request-id"
SERVER_TRACE_ID = "x-server-trace-id"
AUTHORIZATION = "authorization"
USER_AGENT = f"scanner-grpc/{__version__}"

Metadata = tuple[tuple[str, str], ...]
"""Caller metadata as checked pairs of lower-case names and values."""

# Names that the client sets itself, or that the protocols own.
_RESERVED = frozenset(
    {
        AUTHORIZATION,
        CLIENT_REQUEST_ID,
        CLIENT_TRACE_ID,
        "user-agent",
        "content-type",
        "content-length",
        "host",
        "te",
        "connection",
        "transfer-encoding",
    }
)
_HINTS = {
    AUTHORIZATION: "pass credentials=IamToken(...) instead",
    "user-agent": "pass user_agent=... to add to it instead",
}
# What both HTTP header names and gRPC metadata keys allow; gRPC is stricter.
_NAME = re.compile(r"[0-9a-z_.-]+")


class Authorization:
    """The ``authorization`` metadata for the latest token, made once per token.

    Safe to share between threads: the cache is one tuple, replaced whole.
    """

    __slots__ = ("_latest",)

    def __init__(self) -> None:
        self._latest: tuple[str, Metadata] | None = None

    def for_token(self, token: str) -> Metadata:
        """``(("authorization", "Bearer <token>"),)``.

        Raises:
            Unauthenticated: The token cannot travel in a header; the
                message does not quote it.
        """
        latest = self._latest
        if latest is not None and latest[0] == token:
            return latest[1]
        # Checked here rather than left to the HTTP library, whose error
        # would quote the header's value.
        if not isinstance(token, str) or not token or not _is_token(token):
            raise Unauthenticated(
                "the credentials gave a token that is empty or holds spaces, "
                "control or non-ASCII characters, so it cannot be sent",
                retryable=False,
            )
        pair = ((AUTHORIZATION, f"Bearer {token}"),)
        self._latest = (token, pair)
        return pair


# The version (4) and variant (RFC 9562) bits of a random UUID.
_UUID4_CLEAR = ~((0xF << 76) | (0x3 << 62))
_UUID4_SET = (0x4 << 76) | (0x2 << 62)


def new_id() -> str:
    """A random (version 4) UUID in its usual text form.

    The same as ``str(uuid.uuid4())`` in half the time: two are made for
    every call.
    """
    value = int.from_bytes(os.urandom(16), "big") & _UUID4_CLEAR | _UUID4_SET
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def user_agent(suffix: str | None) -> str:
    """``scanner-grpc/<version>``, followed by the caller's ``suffix``."""
    if suffix is None:
        return USER_AGENT
    if not isinstance(suffix, str):
        raise TypeError(f"user_agent must be a str, not {type(suffix).__name__}")
    if not suffix.strip() or not _is_header_value(suffix):
        raise ValueError(
            f"user_agent {suffix!r} must be non-blank printable ASCII, "
            "such as 'my-tool/1.2'"
        )
    return f"{USER_AGENT} {suffix.strip()}"


def check_metadata(
    metadata: Mapping[str, str] | Iterable[tuple[str, str]],
) -> Metadata:
    """Checks the caller's metadata; names come back lower-cased.

    Raises:
        TypeError: ``metadata`` is not pairs of strings.
        ValueError: A name is malformed or reserved, or a value cannot travel
            in a header; the message names it.
    """
    if isinstance(metadata, (str, bytes)):
        raise TypeError("metadata must be a mapping or (name, value) pairs")
    pairs = metadata.items() if isinstance(metadata, Mapping) else metadata
    checked: list[tuple[str, str]] = []
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise TypeError(
                f"metadata must be a mapping or (name, value) pairs, not hold {pair!r}"
            )
        name, value = pair
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError(
                f"metadata names and values must be str; {name!r} is "
                f"{type(name).__name__} -> {type(value).__name__}"
            )
        name = name.lower()
        if not _NAME.fullmatch(name) or name.endswith("-bin"):
            raise ValueError(
                f"metadata name {name!r} must consist of a-z, 0-9, '-', '_' and "
                "'.', and not end in '-bin'"
            )
        if name in _RESERVED or name.startswith("grpc-"):
            hint = _HINTS.get(name, "the client sets it")
            raise ValueError(f"metadata may not set {name!r}: {hint}")
        if not _is_header_value(value):
            raise ValueError(
                f"the value of metadata {name!r} must be printable ASCII "
                "without line breaks"
            )
        checked.append((name, value))
    return tuple(checked)


def _is_token(value: str) -> bool:
    return all("!" <= char <= "~" for char in value)


def _is_header_value(value: str) -> bool:
    return all(" " <= char <= "~" for char in value)
