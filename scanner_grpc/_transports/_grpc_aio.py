"""``ScannerService.Get`` over gRPC for asyncio, through ``grpc.aio``."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import grpc
import grpc.aio

from scanner_grpc._generated.yandex.cloud.containerregistry.v1 import (
    scanner_service_pb2_grpc,
)
from scanner_grpc._transports._endpoints import GrpcEndpoint
from scanner_grpc._transports._grpc import channel_settings
from scanner_grpc._transports._headers import (
    CLIENT_REQUEST_ID,
    CLIENT_TRACE_ID,
    Authorization,
    Metadata,
)
from scanner_grpc.types import GetScanResultRequest, ScanResult

__all__ = ["AsyncGrpcTransport"]


class AsyncGrpcTransport:
    """gRPC on asyncio; one channel, opened in the loop of the first call."""

    def __init__(
        self,
        endpoint: GrpcEndpoint,
        *,
        user_agent: str,
        metadata: Metadata,
    ) -> None:
        self._target = endpoint.target
        self._channel_credentials, self._options = channel_settings(
            endpoint, user_agent=user_agent
        )
        self._metadata = metadata
        self._authorization = Authorization()
        self._channel: grpc.aio.Channel | None = None
        self._get: Any = None

    def _open(self) -> Any:
        # A grpc.aio channel belongs to the event loop it is made in, so it is
        # made in the loop of the first call rather than in the constructor.
        if self._channel_credentials is None:
            channel = grpc.aio.insecure_channel(self._target, options=self._options)
        else:
            channel = grpc.aio.secure_channel(
                self._target, self._channel_credentials, options=self._options
            )
        self._channel = channel
        stub = scanner_service_pb2_grpc.ScannerServiceStub(channel)  # type: ignore[no-untyped-call]
        self._get = stub.Get
        return self._get

    def get(
        self,
        request: GetScanResultRequest,
        *,
        timeout: float | None,
        trace_id: str,
        request_id: str,
        token: str | None,
        metadata: Metadata,
    ) -> Awaitable[ScanResult]:
        """One attempt; awaiting it raises ``grpc.aio.AioRpcError`` on failure.

        It hands back gRPC's own call object, which the client awaits: a
        coroutine around it would cost every call a frame for nothing.
        """
        stub_get = self._get or self._open()
        call: Awaitable[ScanResult] = stub_get(
            request,
            timeout=timeout,
            metadata=(
                (CLIENT_TRACE_ID, trace_id),
                (CLIENT_REQUEST_ID, request_id),
                *self._metadata,
                *metadata,
                *(() if token is None else self._authorization.for_token(token)),
            ),
        )
        return call

    async def close(self) -> None:
        """Closes the channel, if a call ever opened it."""
        channel, self._channel, self._get = self._channel, None, None
        if channel is not None:
            await channel.close()
