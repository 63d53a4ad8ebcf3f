"""What the REST transports share: the route, the headers, the body's fate."""

from __future__ import annotations

from collections.abc import Mapping

from google.protobuf import json_format

from scanner_grpc._errors import ResourceExhausted
from scanner_grpc._generated.yandex.cloud.containerregistry.v1 import (
    scanner_service_pb2,
)
from scanner_grpc._http_rules import binding_of
from scanner_grpc._transports._failures import from_http_response
from scanner_grpc._transports._headers import (
    CLIENT_REQUEST_ID,
    CLIENT_TRACE_ID,
    Authorization,
    Metadata,
)
from scanner_grpc.types import GetScanResultRequest, ScanResult

__all__ = ["RestRoute", "too_large"]

_SERVICE = scanner_service_pb2.DESCRIPTOR.services_by_name["ScannerService"]
_GET = _SERVICE.methods_by_name["Get"]


class RestRoute:
    """``ScannerService.Get`` as an HTTP request, prepared once per client.

    The path comes from the method's ``google.api.http`` rule; expanding it
    percent-encodes the id as a single segment, so that no id can change the
    path.
    """

    __slots__ = ("_authorization", "_headers", "_prefix", "_template", "http_method")

    def __init__(self, *, prefix: str, user_agent: str, metadata: Metadata) -> None:
        binding = binding_of(_GET)
        self.http_method = binding.http_method
        self._template = binding.template
        self._prefix = prefix
        self._authorization = Authorization()
        self._headers = {
            "user-agent": user_agent,
            "accept": "application/json",
            **dict(metadata),
        }

    def path(self, request: GetScanResultRequest) -> str:
        """The request's path, under the endpoint's own path, if any."""
        return self._prefix + self._template.expand(request)

    def headers(
        self,
        *,
        trace_id: str,
        request_id: str,
        token: str | None,
        metadata: Metadata,
    ) -> dict[str, str]:
        """The headers of one attempt."""
        headers = self._headers.copy()
        headers[CLIENT_TRACE_ID] = trace_id
        headers[CLIENT_REQUEST_ID] = request_id
        if token is not None:
            headers.update(self._authorization.for_token(token))
        if metadata:
            headers.update(metadata)
        return headers

    @staticmethod
    def result(
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        *,
        request_id: str,
        trace_id: str,
    ) -> ScanResult:
        """The ``ScanResult`` of a 200 answer, unknown fields ignored.

        Raises:
            ScannerError: The answer is not a 200; the subclass tells how.
        """
        if status != 200:
            raise from_http_response(
                status,
                headers,
                body,
                client_request_id=request_id,
                client_trace_id=trace_id,
            )
        return json_format.Parse(body, ScanResult(), ignore_unknown_fields=True)


def too_large(
    limit: int, *, status: int, client_request_id: str, client_trace_id: str
) -> ResourceExhausted:
    """The error for a body longer than ``max_response_bytes``."""
    return ResourceExhausted(
        f"the answer (HTTP {status}) is longer than max_response_bytes={limit}; "
        "pass a larger max_response_bytes to the client if it is expected",
        client_request_id=client_request_id,
        client_trace_id=client_trace_id,
        http_status=status,
        # The same answer would come again.
        retryable=False,
    )
