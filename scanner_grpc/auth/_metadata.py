"""Tokens of the service account attached to a Yandex Cloud VM."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from scanner_grpc.auth._base import AccessToken, CredentialsError
from scanner_grpc.auth._caching import (
    DEFAULT_REFRESH_MARGIN,
    DEFAULT_TIMEOUT,
    CachingCredentials,
)
from scanner_grpc.auth._http import JsonEndpoint

__all__ = ["DEFAULT_METADATA_URL", "MetadataService"]

_logger = logging.getLogger(__name__)

DEFAULT_METADATA_URL = (
    "http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token"
)
"""The token URL of the metadata service, reachable from inside a VM only."""


class MetadataService(CachingCredentials):
    """IAM tokens from the metadata service of the VM this process runs on.

    The token is cached until shortly before the end of the ``expires_in``
    that the service answered (see ``CachingCredentials``). The request
    carries no credential, which is why the service's plain ``http://`` URL
    is acceptable; the service only answers inside the VM.

    Args:
        url: The metadata token URL; override it to use an emulator.
        timeout: Deadline of one request, in seconds.
        refresh_margin: The most seconds before expiry at which the token is
            refreshed.
        clock: Returns the time in seconds since the epoch; used to judge
            expiry.

    Raises:
        ValueError: ``url`` is not an ``http://`` or ``https://`` URL.
    """

    def __init__(
        self,
        url: str = DEFAULT_METADATA_URL,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN,
        clock: Callable[[], float] = time.time,
    ) -> None:
        endpoint = JsonEndpoint(url, what="the metadata service", sends_secret=False)
        super().__init__(
            _MetadataToken(endpoint, clock=clock),
            timeout=timeout,
            refresh_margin=refresh_margin,
            clock=clock,
        )

    def __repr__(self) -> str:
        return repr(self._source)


class _MetadataToken:
    """The ``TokenSource`` of ``MetadataService``."""

    def __init__(self, endpoint: JsonEndpoint, *, clock: Callable[[], float]) -> None:
        self._endpoint = endpoint
        self._clock = clock

    def __repr__(self) -> str:
        return f"MetadataService({self._endpoint.display_url!r})"

    def fetch(self, *, timeout: float) -> AccessToken:
        # expires_in counts from the answer; counting from the request errs on
        # the safe side.
        asked_at = self._clock()
        answer = self._endpoint.request(
            "GET", timeout=timeout, headers={"Metadata-Flavor": "Google"}
        )
        where = f"the metadata service at {self._endpoint.display_url}"
        token = answer.get("access_token")
        expires_in = answer.get("expires_in")
        token_type = answer.get("token_type", "Bearer")
        if not isinstance(token, str) or not token:
            raise CredentialsError(f"{where} answered without an 'access_token'")
        if (
            isinstance(expires_in, bool)
            or not isinstance(expires_in, (int, float))
            or not expires_in > 0
        ):
            raise CredentialsError(
                f"{where} answered without a positive number 'expires_in'"
            )
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise CredentialsError(
                f"{where} answered a token of type {str(token_type)[:20]!r}, "
                "not 'Bearer'"
            )
        return AccessToken(value=token, expires_at=asked_at + expires_in)
