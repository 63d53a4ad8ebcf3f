"""The asyncio client, the twin of ``ScannerClient``."""

from __future__ import annotations

import logging
from types import TracebackType
from typing import TYPE_CHECKING

from scanner_grpc._client import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_RETRY,
    DEFAULT_TIMEOUT,
    MetadataInput,
    Settings,
    TransportName,
    budget_spent,
    checked_request,
    checked_timeout,
    closed_error,
    log_attempt,
    retry_or_raise,
)
from scanner_grpc._errors import ScannerError
from scanner_grpc._retry import Retry
from scanner_grpc._transports._endpoints import GrpcEndpoint
from scanner_grpc._transports._headers import check_metadata, new_id

if TYPE_CHECKING:
    from scanner_grpc._transports._base import AsyncTransport
    from scanner_grpc.auth import Credentials
    from scanner_grpc.types import ScanResult

__all__ = ["AsyncScannerClient"]

_logger = logging.getLogger(__name__)


class AsyncScannerClient:
    """An asyncio client of the Container Registry vulnerability scanner.

    It takes the same options as ``ScannerClient`` and behaves the same way.
    Its gRPC channel or HTTP session is opened by the first call, in that
    call's event loop, and serves only that loop. Use it as an async context
    manager, or await ``close``::

        from scanner_grpc import AsyncScannerClient

        async with AsyncScannerClient(transport="rest") as client:
            result = await client.get_scan_result("crp1234567890abcdefg")

    Args:
        transport: ``"grpc"`` (the default) or ``"rest"``.
        endpoint: Where the service is; see ``ScannerClient``.
        credentials: Where the IAM tokens come from; ``None`` means
            ``scanner_grpc.auth.default_credentials()``. Tokens are obtained
            with ``await credentials.token_async()``.
        insecure: gRPC only: talk to ``endpoint`` without TLS.
        timeout: Seconds that a call may take by default, retries included;
            30 unless given, ``None`` for no limit.
        retry: When failed calls are tried again; ``None`` or
            ``Retry.disabled()`` tries every call once. The waits go through
            ``Retry.async_sleep``.
        metadata: Headers (gRPC metadata) sent with every call.
        user_agent: Text appended to ``scanner-grpc/<version>``.
        max_response_bytes: REST only: the longest body the client reads;
            4 MiB by default.
        max_connections: REST only: the most connections open at once; 10 by
            default.

    Raises:
        TypeError: An option has the wrong type.
        ValueError: An option is malformed, or credentials would be sent in
            plain text to a host other than this machine.
    """

    def __init__(
        self,
        *,
        transport: TransportName = "grpc",
        endpoint: str | None = None,
        credentials: Credentials | None = None,
        insecure: bool = False,
        timeout: float | None = DEFAULT_TIMEOUT,
        retry: Retry | None = DEFAULT_RETRY,
        metadata: MetadataInput = (),
        user_agent: str | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        settings = Settings.resolve(
            transport=transport,
            endpoint=endpoint,
            credentials=credentials,
            insecure=insecure,
            timeout=timeout,
            retry=retry,
            metadata=metadata,
            user_agent=user_agent,
            max_response_bytes=max_response_bytes,
            max_connections=max_connections,
        )
        self._settings = settings
        self._credentials = settings.credentials
        self._timeout = settings.timeout
        self._retry = settings.retry
        self._closed = False
        self._transport = _async_transport(settings)
        # asyncio loads with the first async client, so that a sync-only
        # program never pays for it.
        import asyncio

        self._running_loop = asyncio.get_running_loop
        self._loop: asyncio.AbstractEventLoop | None = None

    async def get_scan_result(
        self,
        scan_result_id: str,
        *,
        timeout: float | None = None,
        metadata: MetadataInput = (),
    ) -> ScanResult:
        """Reads one scan result by its id; see ``ScannerClient.get_scan_result``.

        Raises:
            TypeError: ``scan_result_id`` is not a ``str``.
            scanner_grpc.errors.ScannerError: The call failed; the subclass
                tells how.
            RuntimeError: The client is closed, or its first call ran in
                another event loop.
        """
        request = checked_request(scan_result_id)
        if self._closed:
            raise closed_error(type(self).__name__)
        self._check_loop()
        budget = self._timeout if timeout is None else checked_timeout(timeout)
        extra = check_metadata(metadata) if metadata else ()
        retry = self._retry
        credentials = self._credentials
        transport = self._transport
        deadline = None if budget is None else retry.clock() + budget
        trace_id = new_id()
        last: ScannerError | None = None
        attempt = 1
        while True:
            request_id = new_id()
            remaining = None
            if deadline is not None:
                remaining = deadline - retry.clock()
                if remaining <= 0 and last is not None:
                    raise budget_spent(budget, attempt - 1, last) from last
            if _logger.isEnabledFor(logging.DEBUG):
                log_attempt(_logger, scan_result_id, attempt, retry, request_id)
            try:
                token = (
                    None
                    if credentials is None
                    else await credentials.token_async(timeout=remaining)
                )
                return await transport.get(
                    request,
                    timeout=remaining,
                    trace_id=trace_id,
                    request_id=request_id,
                    token=token,
                    metadata=extra,
                )
            except Exception as exception:
                delay, last = retry_or_raise(
                    exception,
                    retry=retry,
                    attempt=attempt,
                    deadline=deadline,
                    budget=budget,
                    request_id=request_id,
                    trace_id=trace_id,
                    logger=_logger,
                )
            await retry.async_sleep(delay)
            attempt += 1

    def _check_loop(self) -> None:
        # The channel or session opens in the loop of the first call and
        # cannot serve another; failing here beats a hang or an obscure error
        # from deep inside grpc.aio or aiohttp.
        loop = self._running_loop()
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:
            raise RuntimeError(
                f"this {type(self).__name__} serves the event loop of its first "
                "call; make one client per event loop"
            )

    async def close(self) -> None:
        """Closes the channel or the session; later calls fail."""
        if not self._closed:
            self._closed = True
            await self._transport.close()

    async def __aenter__(self) -> AsyncScannerClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return self._settings.describe(type(self).__name__)


def _async_transport(settings: Settings) -> AsyncTransport:
    # grpc.aio or aiohttp load here, when a client needs them, and no sooner.
    endpoint = settings.endpoint
    if isinstance(endpoint, GrpcEndpoint):
        from scanner_grpc._transports._grpc_aio import AsyncGrpcTransport

        return AsyncGrpcTransport(
            endpoint,
            user_agent=settings.user_agent,
            metadata=settings.metadata,
        )
    from scanner_grpc._transports._rest_aio import AsyncRestTransport

    return AsyncRestTransport(
        endpoint,
        user_agent=settings.user_agent,
        metadata=settings.metadata,
        max_response_bytes=settings.max_response_bytes,
        max_connections=settings.max_connections,
    )
