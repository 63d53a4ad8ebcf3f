"""One JSON request to a token endpoint, with its errors mapped in one place."""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Mapping
from typing import Any

from scanner_grpc._loopback import is_loopback_host
from scanner_grpc.auth._base import (
    CredentialsError,
    CredentialsTimeoutError,
    CredentialsUnavailableError,
)

__all__ = ["JsonEndpoint"]

_logger = logging.getLogger(__name__)

# Token answers are a few hundred bytes; anything far larger is not one.
_MAX_BODY = 64 * 1024
_EXCERPT = 200


class JsonEndpoint:
    """An HTTP endpoint that answers JSON objects, such as IAM's token URL.

    Args:
        url: ``http`` or ``https`` URL of the endpoint.
        what: What the endpoint is, for error messages ("IAM").
        sends_secret: True if requests carry a secret (a signed JWT). Such
            requests go only over TLS, or in clear to a loopback address
            (a local emulator); any other plain ``http`` URL is refused.

    Raises:
        ValueError: The URL is malformed or would expose a secret.
    """

    def __init__(self, url: str, *, what: str, sends_secret: bool) -> None:
        self.url = url
        self.what = what
        self.display_url = _display_url(url, what=what, sends_secret=sends_secret)

    def request(
        self,
        method: str,
        *,
        timeout: float,
        headers: Mapping[str, str],
        body: bytes | None = None,
        secret: str | None = None,
    ) -> dict[str, Any]:
        """Sends one request, without retries or redirects.

        ``secret`` is a value sent in the request that must never be quoted,
        even if the server echoes it in an error.

        Raises:
            CredentialsTimeoutError: No answer within ``timeout`` seconds.
            CredentialsUnavailableError: The endpoint is unreachable, or
                answers 429 or a 5xx status.
            CredentialsError: The endpoint answers another error status, or
                something other than a JSON object.
        """
        import urllib3

        _logger.debug("%s %s (timeout %.3g s)", method, self.display_url, timeout)
        try:
            # A token is fetched about once an hour: a connection kept open
            # that long would be dropped by the server anyway, and one that
            # is closed at once leaves no socket behind.
            with urllib3.PoolManager(num_pools=1, maxsize=1) as pool:
                response = pool.request(
                    method,
                    self.url,
                    body=body,
                    headers=dict(headers),
                    timeout=urllib3.Timeout(total=timeout),
                    retries=False,
                    redirect=False,
                    preload_content=False,
                )
                try:
                    data = response.read(_MAX_BODY + 1)
                finally:
                    response.close()
        except urllib3.exceptions.NewConnectionError as error:
            # First: urllib3 makes a refused connection a ConnectTimeoutError.
            raise CredentialsUnavailableError(
                f"cannot reach {self.what} at {self.display_url}: {_reason(error)}"
            ) from error
        except urllib3.exceptions.TimeoutError as error:
            raise CredentialsTimeoutError(
                f"{self.what} at {self.display_url} did not answer "
                f"within {timeout:.3g} s"
            ) from error
        except urllib3.exceptions.HTTPError as error:
            raise CredentialsUnavailableError(
                f"cannot reach {self.what} at {self.display_url}: {_reason(error)}"
            ) from error

        status = response.status
        _logger.debug("%s answered HTTP %d", self.display_url, status)
        if len(data) > _MAX_BODY:
            raise CredentialsError(
                f"{self.what} at {self.display_url} answered more than "
                f"{_MAX_BODY} bytes, which is no token answer",
                http_status=status,
            )
        if status != 200:
            transient = status == 429 or status >= 500
            error_class = CredentialsUnavailableError if transient else CredentialsError
            raise error_class(
                f"{self.what} at {self.display_url} answered HTTP {status}: "
                f"{_describe(data, secret)}",
                http_status=status,
            )
        try:
            answer = json.loads(data)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise CredentialsError(
                f"{self.what} at {self.display_url} answered HTTP 200 with a "
                "body that is not a JSON object",
                http_status=status,
            )
        return answer


def _display_url(url: str, *, what: str, sends_secret: bool) -> str:
    """The URL without user info or query, after checking that it is safe."""
    if not isinstance(url, str):
        raise TypeError(f"the {what} URL must be a str, not {type(url).__name__}")
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError as error:
        raise ValueError(f"the {what} URL {url!r} is malformed: {error}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError(
            f"the {what} URL must be http:// or https:// with a host, "
            f"not {parts.scheme + '://' if parts.scheme else url!r}"
        )
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    display = f"{parts.scheme}://{netloc}{parts.path}"
    if sends_secret and parts.scheme == "http" and not is_loopback_host(host):
        raise ValueError(
            f"refusing to send credentials in clear text to {display}: use an "
            f"https:// URL for {what} (plain http:// is only allowed to a "
            "loopback address such as a local emulator)"
        )
    return display


def _reason(error: BaseException) -> str:
    # urllib3 wraps the socket error; its own message starts with a repr of
    # the connection object, so the innermost OS error reads better.
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
        cause = cause.__cause__ or cause.__context__
    return type(error).__name__


def _describe(data: bytes, secret: str | None) -> str:
    """A short, single-line account of an error body, never quoting secret."""
    text = data.decode("utf-8", errors="replace")
    try:
        status = json.loads(text)
    except ValueError:
        status = None
    if isinstance(status, dict) and isinstance(status.get("message"), str):
        text = status["message"]
    if secret:
        text = text.replace(secret, "<redacted>")
    text = " ".join(text.split())
    if len(text) > _EXCERPT:
        text = text[:_EXCERPT] + "..."
    return repr(text) if text else "(empty body)"
