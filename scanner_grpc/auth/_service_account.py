"""Tokens for a service account, from its authorized key via IAM."""

from __future__ import annotations

import datetime
import json
import logging
import os
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from scanner_grpc.auth._base import AccessToken, CredentialsError, InvalidKeyError
from scanner_grpc.auth._caching import (
    DEFAULT_REFRESH_MARGIN,
    DEFAULT_TIMEOUT,
    CachingCredentials,
)
from scanner_grpc.auth._http import JsonEndpoint

__all__ = ["DEFAULT_IAM_URL", "IAM_AUDIENCE", "JWT_LIFETIME", "ServiceAccountKey"]

_logger = logging.getLogger(__name__)

DEFAULT_IAM_URL = "https://iam.api.cloud.yandex.net/iam/v1/tokens"
"""Where a signed JWT is exchanged for an IAM token."""

IAM_AUDIENCE = "https://iam.api.cloud.yandex.net/iam/v1/tokens"
"""The ``aud`` claim of the JWT, whichever URL it is sent to."""

JWT_LIFETIME = 3600
"""``exp - iat`` of the JWT, in seconds: the most that IAM accepts."""

_REQUIRED_FIELDS = ("id", "service_account_id", "private_key")

_RFC3339 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d\d):(\d\d))\Z"
)


class ServiceAccountKey(CachingCredentials):
    """IAM tokens for a service account, obtained with its authorized key.

    For each token it signs a JWT with the key (PS256, ``kid`` = the key's
    id, ``iss`` = the service account, ``exp`` one hour after ``iat``),
    exchanges it at the IAM URL, and caches the token it gets until shortly
    before the ``expiresAt`` that IAM answered (see ``CachingCredentials``).

    The key is read and checked when the credentials are made, so that a
    broken key fails at once; the ``jwt`` and ``cryptography`` modules are
    imported then, and ``urllib3`` at the first exchange.

    Args:
        key: The authorized key, as the JSON object of a key file: ``id``,
            ``service_account_id`` and ``private_key`` are used. Files made
            by ``yc iam key create`` work, including newer ones whose
            ``private_key`` begins with a comment line before the PEM header.
        iam_url: The token exchange URL. It must be ``https://``, except to a
            loopback address (a local emulator), since the JWT is a
            credential.
        timeout: Deadline of one exchange, in seconds.
        refresh_margin: The most seconds before expiry at which the token is
            refreshed.
        clock: Returns the time in seconds since the epoch; used for the JWT
            claims and to judge expiry.

    Raises:
        InvalidKeyError: A field is missing or the private key is unusable.
        ValueError: ``iam_url`` is malformed or plain ``http://`` to a host
            that is not loopback.
    """

    def __init__(
        self,
        key: Mapping[str, Any],
        *,
        iam_url: str = DEFAULT_IAM_URL,
        timeout: float = DEFAULT_TIMEOUT,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._init(
            key,
            origin="service account key",
            iam_url=iam_url,
            timeout=timeout,
            refresh_margin=refresh_margin,
            clock=clock,
        )

    @classmethod
    def from_file(
        cls,
        path: str | os.PathLike[str],
        *,
        iam_url: str = DEFAULT_IAM_URL,
        timeout: float = DEFAULT_TIMEOUT,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN,
        clock: Callable[[], float] = time.time,
    ) -> ServiceAccountKey:
        """Reads an authorized key JSON file; the options are as for the class.

        Raises:
            InvalidKeyError: The file cannot be read, is not a JSON object, or
                the key in it is unusable; the message names the file.
        """
        origin = f"service account key file {os.fspath(path)!r}"
        try:
            with open(path, encoding="utf-8") as file:
                key = json.load(file)
        except OSError as error:
            raise InvalidKeyError(
                f"cannot read {origin}: {error.strerror or type(error).__name__}"
            ) from None
        except ValueError as error:
            # JSONDecodeError's message gives a position, never the content;
            # a UnicodeDecodeError's is about bytes, never quoted either.
            reason = (
                f"{error.msg} at line {error.lineno} column {error.colno}"
                if isinstance(error, json.JSONDecodeError)
                else "it is not UTF-8 text"
            )
            raise InvalidKeyError(f"{origin} is not valid JSON: {reason}") from None
        credentials = cls.__new__(cls)
        credentials._init(
            key,
            origin=origin,
            iam_url=iam_url,
            timeout=timeout,
            refresh_margin=refresh_margin,
            clock=clock,
        )
        return credentials

    def _init(
        self,
        key: object,
        *,
        origin: str,
        iam_url: str,
        timeout: float,
        refresh_margin: float,
        clock: Callable[[], float],
    ) -> None:
        endpoint = JsonEndpoint(iam_url, what="IAM", sends_secret=True)
        exchange = _JwtExchange(key, origin=origin, endpoint=endpoint, clock=clock)
        super().__init__(
            exchange, timeout=timeout, refresh_margin=refresh_margin, clock=clock
        )
        self._exchange = exchange

    def __repr__(self) -> str:
        return repr(self._exchange)

    @property
    def key_id(self) -> str:
        """The id of the authorized key, sent as the JWT's ``kid``."""
        return self._exchange.key_id

    @property
    def service_account_id(self) -> str:
        """The service account that the tokens are for."""
        return self._exchange.service_account_id


class _JwtExchange:
    """The ``TokenSource`` of ``ServiceAccountKey``: sign a JWT, exchange it."""

    def __init__(
        self,
        key: object,
        *,
        origin: str,
        endpoint: JsonEndpoint,
        clock: Callable[[], float],
    ) -> None:
        if not isinstance(key, Mapping):
            hint = (
                "; for a path use ServiceAccountKey.from_file"
                if isinstance(key, (str, os.PathLike))
                else ""
            )
            raise InvalidKeyError(
                f"{origin} must be a JSON object (a mapping), "
                f"not a {type(key).__name__}{hint}"
            )
        for field in _REQUIRED_FIELDS:
            value = key.get(field)
            if not isinstance(value, str) or not value.strip():
                problem = "is missing" if value is None else "is not a non-empty string"
                raise InvalidKeyError(f"{origin}: the {field!r} field {problem}")
        self.key_id: str = key["id"]
        self.service_account_id: str = key["service_account_id"]
        self._private_key = _load_private_key(key["private_key"], origin=origin)
        self._endpoint = endpoint
        self._clock = clock

    def __repr__(self) -> str:
        return (
            f"ServiceAccountKey(key_id={self.key_id!r}, "
            f"service_account_id={self.service_account_id!r}, "
            f"iam_url={self._endpoint.display_url!r})"
        )

    def fetch(self, *, timeout: float) -> AccessToken:
        import jwt

        issued_at = int(self._clock())
        assertion = jwt.encode(
            {
                "iss": self.service_account_id,
                "aud": IAM_AUDIENCE,
                "iat": issued_at,
                "exp": issued_at + JWT_LIFETIME,
            },
            self._private_key,
            algorithm="PS256",
            headers={"kid": self.key_id},
        )
        _logger.debug(
            "exchanging a JWT of key %s at %s", self.key_id, self._endpoint.display_url
        )
        answer = self._endpoint.request(
            "POST",
            timeout=timeout,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            body=json.dumps({"jwt": assertion}).encode("utf-8"),
            secret=assertion,
        )
        token = answer.get("iamToken")
        expires = answer.get("expiresAt")
        where = f"IAM at {self._endpoint.display_url}"
        if not isinstance(token, str) or not token:
            raise CredentialsError(f"{where} answered without an 'iamToken'")
        if not isinstance(expires, str):
            raise CredentialsError(f"{where} answered without an 'expiresAt'")
        expires_at = _parse_rfc3339(expires)
        if expires_at is None:
            raise CredentialsError(
                f"{where} answered an 'expiresAt' that is not an RFC 3339 "
                f"time: {expires[:40]!r}"
            )
        return AccessToken(value=token, expires_at=expires_at)


def _load_private_key(text: str, *, origin: str) -> Any:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    # Newer key files put a comment line before the PEM header; whatever
    # precedes the header is not part of the key.
    start = text.find("-----BEGIN")
    if start < 0:
        raise InvalidKeyError(
            f"{origin}: the 'private_key' field holds no PEM block "
            "(no '-----BEGIN' line)"
        )
    try:
        private_key = serialization.load_pem_private_key(
            text[start:].encode("utf-8"), password=None
        )
    except TypeError:
        raise InvalidKeyError(
            f"{origin}: the 'private_key' field is encrypted; an authorized "
            "key file holds it unencrypted"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise InvalidKeyError(
            f"{origin}: the 'private_key' field is not a readable PEM private key"
        ) from None
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise InvalidKeyError(
            f"{origin}: the 'private_key' field is not an RSA key, which PS256 needs"
        )
    return private_key


def _parse_rfc3339(text: str) -> float | None:
    """Seconds since the epoch for an RFC 3339 time, or None if it is not one."""
    match = _RFC3339.match(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    fraction, zulu, sign, offset_hours, offset_minutes = match.groups()[6:]
    try:
        moment = datetime.datetime(
            year,
            month,
            day,
            hour,
            minute,
            min(second, 59),
            tzinfo=datetime.timezone.utc,
        )
    except ValueError:
        return None
    seconds = moment.timestamp() + float(f"0.{fraction or 0}")
    if not zulu:
        offset = int(offset_hours) * 3600 + int(offset_minutes) * 60
        seconds -= offset if sign == "+" else -offset
    return seconds
