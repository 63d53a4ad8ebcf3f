"""Caching and single-flight refresh, shared by every token that expires."""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import logging
import threading
import time
from collections.abc import Callable

from scanner_grpc.auth._base import (
    AccessToken,
    Credentials,
    CredentialsError,
    CredentialsTimeoutError,
    TokenSource,
    check_token_value,
)

__all__ = ["DEFAULT_REFRESH_MARGIN", "DEFAULT_TIMEOUT", "CachingCredentials"]

_logger = logging.getLogger(__name__)

DEFAULT_REFRESH_MARGIN = 300.0
"""Seconds before expiry at which a cached token is refreshed, at most."""

DEFAULT_TIMEOUT = 10.0
"""Deadline, in seconds, of one request to a token endpoint."""

# The margin is also capped at this share of the token's lifetime, so that a
# short-lived token is still used for most of its life.
_MARGIN_SHARE = 0.1
_WAIT_GRACE = 1.0


@dataclasses.dataclass(frozen=True)
class _Cached:
    token: AccessToken
    refresh_at: float


class CachingCredentials(Credentials):
    """Caches the tokens of a ``TokenSource`` and refreshes them in time.

    A token is reused until ``min(refresh_margin, 10% of its lifetime)``
    before it expires; a 12-hour IAM token is thus refreshed 5 minutes
    before its end by default. However many threads and asyncio tasks
    (of any event loop) ask for a token while it is being refreshed, the
    source is asked once: the refresh runs in a worker thread and every
    caller waits for its outcome, each no longer than its own ``timeout``.
    A caller that gives up early leaves the refresh running, and its result
    is cached for the next call. A failed refresh is not cached: the next
    call tries again.

    Args:
        source: Fetches a new token when one is needed.
        timeout: Deadline, in seconds, passed to ``source.fetch``.
        refresh_margin: The most seconds before expiry at which a token is
            refreshed.
        clock: Returns the time in seconds since the epoch; ``expires_at``
            of the source's tokens is read against it.
    """

    def __init__(
        self,
        source: TokenSource,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not callable(getattr(source, "fetch", None)):
            raise TypeError(
                f"source must offer fetch(*, timeout) -> AccessToken, "
                f"not be a {type(source).__name__}"
            )
        if not timeout > 0:
            raise ValueError(f"timeout must be positive, not {timeout!r}")
        if not refresh_margin >= 0:
            raise ValueError(
                f"refresh_margin must be zero or more, not {refresh_margin!r}"
            )
        self._source = source
        self._timeout = timeout
        self._refresh_margin = refresh_margin
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: _Cached | None = None
        self._refresh: concurrent.futures.Future[AccessToken] | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._source!r})"

    def token(self, *, timeout: float | None = None) -> str:
        cached = self._fresh_token()
        if cached is not None:
            return cached
        refresh = self._join_refresh()
        try:
            return refresh.result(self._wait(timeout)).value
        except CredentialsError:
            raise
        except concurrent.futures.TimeoutError:
            raise self._gave_up(self._wait(timeout)) from None

    async def token_async(self, *, timeout: float | None = None) -> str:
        cached = self._fresh_token()
        if cached is not None:
            return cached
        refresh = self._join_refresh()
        # The shared future is running, so a waiter's cancellation (such as
        # wait_for's on timeout) cannot cancel it for the other waiters.
        try:
            token = await asyncio.wait_for(
                asyncio.wrap_future(refresh), self._wait(timeout)
            )
        except CredentialsError:
            raise
        except asyncio.TimeoutError:
            raise self._gave_up(self._wait(timeout)) from None
        return token.value

    def invalidate(self) -> None:
        """Forgets the cached token, so that the next call fetches a new one.

        For a caller whose token was refused although it had not expired
        (revoked, say).
        """
        with self._lock:
            self._cached = None
        _logger.debug("%r: cached token dropped", self)

    def _wait(self, timeout: float | None) -> float:
        # Without a timeout of its own, a caller waits a little longer than
        # the fetch's deadline, so that the fetch's own error, which says
        # more, comes first; the grace bounds the wait even if a custom
        # source ignores its deadline.
        if timeout is None:
            return self._timeout + _WAIT_GRACE
        return max(0.0, timeout)

    def _fresh_token(self) -> str | None:
        # One attribute read, without the lock: this runs on every call.
        cached = self._cached
        if cached is not None and self._clock() < cached.refresh_at:
            return cached.token.value
        return None

    def _join_refresh(self) -> concurrent.futures.Future[AccessToken]:
        with self._lock:
            if self._refresh is not None:
                return self._refresh
            future: concurrent.futures.Future[AccessToken] = concurrent.futures.Future()
            cached = self._cached
            if cached is not None and self._clock() < cached.refresh_at:
                # Another caller refreshed it while this one took the lock.
                future.set_result(cached.token)
                return future
            future.set_running_or_notify_cancel()
            self._refresh = future
        _logger.debug("%r: fetching a new token", self)
        worker = threading.Thread(
            target=self._run_refresh,
            args=(future,),
            name="scanner-grpc-token-refresh",
            daemon=True,
        )
        try:
            worker.start()
        except RuntimeError as error:
            # No thread (interpreter shutting down, thread limit): the waiters
            # must learn it rather than wait for a refresh that never runs.
            with self._lock:
                self._refresh = None
            future.set_exception(
                CredentialsError(f"{self!r}: cannot start the token refresh: {error}")
            )
        return future

    def _run_refresh(self, future: concurrent.futures.Future[AccessToken]) -> None:
        started = self._clock()
        try:
            token = self._source.fetch(timeout=self._timeout)
            self._check(token, started)
        except Exception as error:
            # Whatever went wrong must reach the waiting callers, not kill
            # the worker thread silently.
            failure = self._as_credentials_error(error)
            with self._lock:
                self._refresh = None
            future.set_exception(failure)
            _logger.debug("%r: fetching a token failed: %s", self, failure)
            return
        lifetime = token.expires_at - started
        margin = min(self._refresh_margin, _MARGIN_SHARE * lifetime)
        with self._lock:
            self._cached = _Cached(token=token, refresh_at=token.expires_at - margin)
            self._refresh = None
        future.set_result(token)
        _logger.debug(
            "%r: new token, expires in %.0f s, refreshed in %.0f s",
            self,
            lifetime,
            lifetime - margin,
        )

    def _check(self, token: object, now: float) -> None:
        if not isinstance(token, AccessToken):
            raise CredentialsError(
                f"{self._source!r}.fetch returned a {type(token).__name__}, "
                "not an AccessToken"
            )
        check_token_value(token.value, origin=repr(self._source))
        if not token.expires_at > now:
            raise CredentialsError(
                f"{self._source!r} gave a token that had already expired; "
                "is this machine's clock right?"
            )

    def _as_credentials_error(self, error: Exception) -> CredentialsError:
        if isinstance(error, CredentialsError):
            return error
        # The message of a foreign exception might quote a secret; its type
        # is enough, and the exception itself stays chained as the cause.
        wrapped = CredentialsError(
            f"{self._source!r} failed to fetch a token: {type(error).__name__}"
        )
        wrapped.__cause__ = error
        return wrapped

    def _gave_up(self, timeout: float) -> CredentialsTimeoutError:
        return CredentialsTimeoutError(
            f"{self!r}: no token within {timeout:g} s; "
            "the refresh goes on and the next call may find its token"
        )
