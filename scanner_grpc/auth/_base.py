"""What every source of IAM tokens offers the clients, and how it fails."""

from __future__ import annotations

import abc
import asyncio
import dataclasses
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "AccessToken",
    "Credentials",
    "CredentialsError",
    "CredentialsTimeoutError",
    "CredentialsUnavailableError",
    "InvalidKeyError",
    "TokenSource",
]


class Credentials(abc.ABC):
    """Supplies the IAM token that authorizes calls to the scanner.

    Implementations cache the token they obtain and refresh it before it
    expires; ``token`` is safe to call from many threads at once, and
    ``token_async`` from many tasks. Neither a token nor any secret it is
    made from ever appears in a ``repr``, a log line or an error message.
    """

    @abc.abstractmethod
    def token(self, *, timeout: float | None = None) -> str:
        """Returns a valid IAM token, obtaining a new one if needed.

        ``timeout`` bounds the time spent obtaining it, in seconds.

        Raises:
            CredentialsError: No token could be obtained.
        """

    async def token_async(self, *, timeout: float | None = None) -> str:
        """Like ``token``, without blocking the event loop."""
        return await asyncio.to_thread(self.token, timeout=timeout)


# The exception hierarchy:
#
#   CredentialsError                  no token could be obtained
#    +-- CredentialsTimeoutError      the deadline passed before a token came
#    +-- CredentialsUnavailableError  the token endpoint is unreachable or
#    |                                answered 429/5xx; later may work
#    +-- InvalidKeyError              an authorized key that cannot be used


class CredentialsError(Exception):
    """No IAM token could be obtained.

    Attributes:
        message: What went wrong and, where it helps, what would fix it.
            It never quotes a token, a JWT or a private key.
        http_status: The HTTP status that the token endpoint answered, if it
            answered with an error.
    """

    def __init__(self, message: str, *, http_status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # The keyword-only attributes survive pickling through the state.
        return (type(self), (self.message,), self.__dict__)


class CredentialsTimeoutError(CredentialsError):
    """The deadline passed before a token could be obtained."""


class CredentialsUnavailableError(CredentialsError):
    """The token endpoint is unreachable, or answered 429 or a 5xx status.

    Unlike other credentials errors, trying again later may succeed.
    """


class InvalidKeyError(CredentialsError, ValueError):
    """A service account's authorized key is missing a field or malformed."""


@dataclasses.dataclass(frozen=True)
class AccessToken:
    """An IAM token and when it expires.

    Attributes:
        value: The token itself; left out of ``repr``.
        expires_at: When it expires, in seconds since the epoch, as read from
            the clock of the credentials that cache it.
    """

    value: str = dataclasses.field(repr=False)
    expires_at: float


@runtime_checkable
class TokenSource(Protocol):
    """Where ``CachingCredentials`` gets a new token when it needs one.

    ``fetch`` is called from one thread at a time, never concurrently for
    the same credentials, and only when the cached token is missing or due
    for refresh.
    """

    def fetch(self, *, timeout: float) -> AccessToken:
        """Obtains a new token within ``timeout`` seconds.

        Raises:
            CredentialsError: The token could not be obtained. Any other
                exception is wrapped in one, quoting only its type.
        """
        ...


def check_token_value(value: object, *, origin: str) -> str:
    """Returns ``value`` if it can travel as a bearer token in a header.

    Raises:
        CredentialsError: Naming ``origin``, never quoting the value.
    """
    if not isinstance(value, str) or not value:
        raise CredentialsError(f"{origin} gave no token (an empty value)")
    # Printable ASCII without spaces: anything else would corrupt the
    # authorization header or the gRPC metadata it travels in.
    if not all("!" <= char <= "~" for char in value):
        raise CredentialsError(
            f"{origin} gave a token with spaces, control or non-ASCII "
            "characters, which cannot go in an authorization header"
        )
    return value
