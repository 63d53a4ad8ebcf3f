"""``ScannerService.Get`` over gRPC, through the generated stub."""

from __future__ import annotations

from typing import Any

import grpc

from scanner_grpc._generated.yandex.cloud.containerregistry.v1 import (
    scanner_service_pb2_grpc,
)
from scanner_grpc._transports._endpoints import GrpcEndpoint
from scanner_grpc._transports._headers import (
    CLIENT_REQUEST_ID,
    CLIENT_TRACE_ID,
    Authorization,
    Metadata,
)
from scanner_grpc.types import GetScanResultRequest, ScanResult

__all__ = ["GrpcTransport", "channel_settings"]


def channel_settings(
    endpoint: GrpcEndpoint, *, user_agent: str
) -> tuple[Any, list[tuple[str, Any]]]:
    """The channel credentials (``None`` for plain text) and the options.

    The token travels as call metadata (see ``Authorization``) rather than as
    gRPC call credentials: a metadata plugin costs a thread hand-off per
    call, which doubles the time of a call to a nearby server. The guarantee
    that call credentials would add, no token over plain text to another
    host, is the clients' own: they refuse credentials with an insecure
    endpoint that is not loopback.
    """
    options: list[tuple[str, Any]] = [("grpc.primary_user_agent", user_agent)]
    if endpoint.is_loopback:
        # gRPC would send even a loopback channel through http_proxy.
        options.append(("grpc.enable_http_proxy", 0))
    if endpoint.secure:
        return grpc.ssl_channel_credentials(), options
    return None, options


class GrpcTransport:
    """Blocking gRPC; one channel, shared by every thread."""

    def __init__(
        self,
        endpoint: GrpcEndpoint,
        *,
        user_agent: str,
        metadata: Metadata,
    ) -> None:
        channel_credentials, options = channel_settings(endpoint, user_agent=user_agent)
        if channel_credentials is None:
            self._channel = grpc.insecure_channel(endpoint.target, options=options)
        else:
            self._channel = grpc.secure_channel(
                endpoint.target, channel_credentials, options=options
            )
        self._get = scanner_service_pb2_grpc.ScannerServiceStub(  # type: ignore[no-untyped-call]
            self._channel
        ).Get
        self._metadata = metadata
        self._authorization = Authorization()

    def get(
        self,
        request: GetScanResultRequest,
        *,
        timeout: float | None,
        trace_id: str,
        request_id: str,
        token: str | None,
        metadata: Metadata,
    ) -> ScanResult:
        """One attempt; raises ``grpc.RpcError`` on failure."""
        result: ScanResult = self._get(
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
        return result

    def close(self) -> None:
        """Closes the channel; calls in flight are cancelled."""
        self._channel.close()
