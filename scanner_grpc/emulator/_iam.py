"""The emulator's token authority: it issues IAM tokens and checks them.

It plays the part of Yandex Cloud IAM and of a VM's metadata service for the
emulator, so that every way of authenticating can be tested offline, expiry
included. The emulator serves these methods over HTTP; this module does no
I/O of its own.

Tokens are opaque random strings, as real IAM tokens are to a client. Time is
read from an injected clock, so tests can expire a token without waiting.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from google.rpc import code_pb2

__all__ = [
    "IAM_AUDIENCE",
    "MAX_JWT_LIFETIME",
    "AuthorityError",
    "IssuedToken",
    "TokenAuthority",
    "generate_authorized_key",
]

_logger = logging.getLogger(__name__)

IAM_AUDIENCE = "https://iam.api.cloud.yandex.net/iam/v1/tokens"
"""The ``aud`` claim that a JWT exchanged for an IAM token must carry."""

MAX_JWT_LIFETIME = 3600.0
"""The longest ``exp - iat`` that IAM accepts in a JWT, in seconds."""

# A recognisable prefix, not a secret: the random part follows it.
_TOKEN_PREFIX = "t1.emu."  # noqa: S105
# Expired tokens are dropped from the store every this many issues, so that
# a long-running emulator does not grow without bound.
_PURGE_EVERY = 1024
_KEY_ALGORITHMS = frozenset({"RSA_2048", "RSA_4096"})


@dataclasses.dataclass(frozen=True)
class IssuedToken:
    """An IAM token and the moment (clock seconds) at which it expires."""

    value: str = dataclasses.field(repr=False)
    expires_at: float

    def expires_at_rfc3339(self) -> str:
        """``expires_at`` as the RFC 3339 UTC string that IAM answers."""
        moment = datetime.datetime.fromtimestamp(self.expires_at, datetime.timezone.utc)
        return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")

    def expires_in(self, now: float) -> int:
        """Whole seconds left at ``now``, as the metadata service answers."""
        return max(0, int(self.expires_at - now))


class AuthorityError(Exception):
    """A request that the authority refuses.

    Attributes:
        code: A ``google.rpc.Code`` value: ``UNAUTHENTICATED`` for a JWT that
            is not signed by a registered key, has the wrong claims or has
            expired; ``INVALID_ARGUMENT`` for a malformed request.
        message: What is wrong, fit to send back to the client. It never
            quotes the JWT or a key.
    """

    def __init__(self, code: int, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"AuthorityError(code={self.code!r}, message={self.message!r})"


@dataclasses.dataclass(frozen=True)
class _RegisteredKey:
    service_account_id: str
    public_key: Any  # a cryptography RSAPublicKey, loaded once at registration


class TokenAuthority:
    """Issues IAM tokens and tells whether a token is valid.

    Thread-safe: the emulator calls it from many server threads at once.

    Args:
        clock: Returns the current time in seconds since the epoch. Expiry of
            tokens and the time claims of a JWT are judged by it.
        token_ttl: Lifetime, in seconds, of the tokens issued from now on
            (settable as the ``token_ttl`` attribute). IAM tokens live at
            most 12 hours.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        token_ttl: float = 12 * 3600,
    ) -> None:
        self.token_ttl = token_ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}
        self._keys: dict[str, _RegisteredKey] = {}
        self._issued = 0
        self._exchanges = 0

    def __repr__(self) -> str:
        return (
            f"TokenAuthority(token_ttl={self.token_ttl!r}, "
            f"keys={len(self._keys)}, exchanges={self._exchanges})"
        )

    @property
    def exchanges(self) -> int:
        """How many JWTs have been exchanged for a token successfully."""
        return self._exchanges

    def issue_token(self, *, ttl: float | None = None) -> IssuedToken:
        """Makes a new token, valid for ``ttl`` seconds (``token_ttl`` if None).

        A ``ttl`` of zero or less makes a token that is already expired,
        which a test can use to check the refusal of expired tokens.
        """
        lifetime = self.token_ttl if ttl is None else ttl
        value = _TOKEN_PREFIX + secrets.token_urlsafe(32)
        issued = IssuedToken(value=value, expires_at=self._clock() + lifetime)
        with self._lock:
            self._tokens[value] = issued.expires_at
            self._issued += 1
            if self._issued % _PURGE_EVERY == 0:
                self._purge_expired()
        return issued

    def is_valid(self, token: str) -> bool:
        """True if this authority issued ``token`` and it has not expired."""
        # A plain dict read, safe without the lock: it runs on every call.
        expires_at = self._tokens.get(token)
        return expires_at is not None and self._clock() < expires_at

    def metadata_token(self) -> IssuedToken:
        """A token as the VM metadata service hands it out."""
        return self.issue_token()

    def register_authorized_key(self, key: Mapping[str, Any]) -> None:
        """Accepts JWTs signed by this service account key from now on.

        Args:
            key: An authorized-key JSON object; ``id``, ``service_account_id``
                and ``public_key`` (PEM) are used, ``private_key`` is ignored.

        Raises:
            AuthorityError: ``INVALID_ARGUMENT``, naming the field that is
                missing or malformed.
        """
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        fields = {}
        for name in ("id", "service_account_id", "public_key"):
            value = key.get(name)
            if not isinstance(value, str) or not value:
                raise _invalid(f"authorized key: {name!r} is missing or not a string")
            fields[name] = value
        algorithm = key.get("key_algorithm", "RSA_2048")
        if algorithm not in _KEY_ALGORITHMS:
            raise _invalid(
                f"authorized key {fields['id']!r}: key_algorithm {algorithm!r} "
                f"is not one of {sorted(_KEY_ALGORITHMS)}"
            )
        try:
            public_key = serialization.load_pem_public_key(
                fields["public_key"].encode("utf-8")
            )
        except ValueError:
            raise _invalid(
                f"authorized key {fields['id']!r}: public_key is not a PEM public key"
            ) from None
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise _invalid(
                f"authorized key {fields['id']!r}: public_key is not an RSA key"
            )
        with self._lock:
            self._keys[fields["id"]] = _RegisteredKey(
                service_account_id=fields["service_account_id"],
                public_key=public_key,
            )
        _logger.debug(
            "registered key %s of service account %s",
            fields["id"],
            fields["service_account_id"],
        )

    def exchange_jwt(self, jwt: str) -> IssuedToken:
        """Exchanges a service account's signed JWT for a new IAM token.

        The JWT must be signed with PS256 by a registered key named by the
        ``kid`` header, with ``iss`` = that key's service account,
        ``aud`` = ``IAM_AUDIENCE``, and ``iat`` and ``exp`` at most
        ``MAX_JWT_LIFETIME`` apart, neither in the future nor expired by
        this authority's clock.

        Raises:
            AuthorityError: ``INVALID_ARGUMENT`` if ``jwt`` is not a JWT at
                all, ``UNAUTHENTICATED`` if it is not acceptable.
        """
        import jwt as pyjwt

        if not isinstance(jwt, str) or not jwt:
            raise _invalid("jwt must be a non-empty string")
        try:
            header = pyjwt.get_unverified_header(jwt)
        except pyjwt.DecodeError:
            raise _invalid("jwt is not a well-formed JSON Web Token") from None

        algorithm = header.get("alg")
        if algorithm != "PS256":
            raise _unauthenticated(f"JWT algorithm must be PS256, not {algorithm!r}")
        key_id = header.get("kid")
        registered = self._keys.get(key_id) if isinstance(key_id, str) else None
        if registered is None:
            raise _unauthenticated(f"JWT kid {key_id!r} is not a known key id")

        # PyJWT judges exp and iat by the wall clock, which a test cannot
        # move; it checks the signature and the other claims, and the time
        # claims are checked below against this authority's clock.
        try:
            claims = pyjwt.decode(
                jwt,
                registered.public_key,
                algorithms=["PS256"],
                audience=IAM_AUDIENCE,
                issuer=registered.service_account_id,
                options={
                    "require": ["iss", "aud", "iat", "exp"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "strict_aud": True,
                },
            )
        except pyjwt.InvalidSignatureError:
            raise _unauthenticated("JWT signature does not verify") from None
        except pyjwt.InvalidAudienceError:
            raise _unauthenticated(f"JWT aud must be {IAM_AUDIENCE!r}") from None
        except pyjwt.InvalidIssuerError:
            raise _unauthenticated(
                f"JWT iss must be the key's service account id "
                f"{registered.service_account_id!r}"
            ) from None
        except pyjwt.MissingRequiredClaimError as error:
            raise _unauthenticated(f"JWT lacks the {error.claim!r} claim") from None
        except pyjwt.InvalidTokenError as error:
            # The remaining PyJWT errors describe the token's structure and
            # never quote it.
            raise _unauthenticated(f"JWT is not acceptable: {error}") from None
        self._check_times(claims)

        issued = self.issue_token()
        with self._lock:
            self._exchanges += 1
        _logger.debug("exchanged a JWT of key %s for a token", key_id)
        return issued

    def _check_times(self, claims: Mapping[str, Any]) -> None:
        issued_at, expires = claims["iat"], claims["exp"]
        for name, value in (("iat", issued_at), ("exp", expires)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise _unauthenticated(f"JWT {name} must be a number of seconds")
        now = self._clock()
        if issued_at > now:
            raise _unauthenticated("JWT iat is in the future")
        if expires <= now:
            raise _unauthenticated("JWT has expired")
        if expires - issued_at > MAX_JWT_LIFETIME:
            raise _unauthenticated(
                f"JWT lifetime exp - iat must be at most {MAX_JWT_LIFETIME:g} s"
            )

    def _purge_expired(self) -> None:
        now = self._clock()
        expired = [value for value, when in self._tokens.items() if when <= now]
        for value in expired:
            del self._tokens[value]


def generate_authorized_key(
    service_account_id: str = "ajeemulatorserviceac",
    *,
    key_id: str | None = None,
) -> dict[str, str]:
    """Makes a fresh RSA 2048 key pair as an authorized-key JSON object.

    The result has the fields of a key file that Yandex Cloud hands out
    (``id``, ``service_account_id``, ``created_at``, ``key_algorithm``,
    ``public_key``, ``private_key``), in the newer form in which a comment
    line precedes the private key's PEM header. Register it with
    ``TokenAuthority.register_authorized_key`` and give it to
    ``scanner_grpc.auth.ServiceAccountKey``.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key_id = key_id or "aje" + secrets.token_hex(9)[:17]
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    public_pem = (
        private_key.public_key()
        .public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        .decode("ascii")
    )
    created_at = datetime.datetime.now(datetime.timezone.utc)
    return {
        "id": key_id,
        "service_account_id": service_account_id,
        "created_at": created_at.isoformat(timespec="microseconds").replace(
            "+00:00", "Z"
        ),
        "key_algorithm": "RSA_2048",
        "public_key": public_pem,
        "private_key": f"EMULATOR KEY, DO NOT SHARE. Key ID {key_id}\n{private_pem}",
    }


def _invalid(message: str) -> AuthorityError:
    return AuthorityError(code_pb2.INVALID_ARGUMENT, message)


def _unauthenticated(message: str) -> AuthorityError:
    return AuthorityError(code_pb2.UNAUTHENTICATED, message)
