"""The blocking client, and what it shares with the asyncio one."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Literal

from scanner_grpc._constraints import violations
from scanner_grpc._errors import DeadlineExceeded, InvalidArgument, ScannerError
from scanner_grpc._retry import Retry
from scanner_grpc._transports._endpoints import (
    GrpcEndpoint,
    RestEndpoint,
    grpc_endpoint,
    rest_endpoint,
)
from scanner_grpc._transports._headers import (
    Metadata,
    check_metadata,
    new_id,
)
from scanner_grpc._transports._headers import user_agent as full_user_agent
from scanner_grpc.types import GetScanResultRequest, ScanResult

if TYPE_CHECKING:
    from google.rpc import error_details_pb2

    from scanner_grpc._transports._base import SyncTransport
    from scanner_grpc.auth import Credentials

__all__ = [
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "ScannerClient",
]

_logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0
"""Seconds that a call may take by default, retries and waits included."""

DEFAULT_RETRY = Retry()
"""The retry policy of a client that is given none."""

DEFAULT_MAX_CONNECTIONS = 10
"""Connections that a REST client keeps open for reuse, by default."""

DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024
"""The longest REST body a client reads by default: 4 MiB, as gRPC allows."""

TransportName = Literal["grpc", "rest"]
MetadataInput = Mapping[str, str] | Iterable[tuple[str, str]]


@dataclass(frozen=True)
class Settings:
    """A client's options, checked and resolved; shared by both clients."""

    transport: TransportName
    endpoint: GrpcEndpoint | RestEndpoint
    credentials: Credentials | None
    timeout: float | None
    retry: Retry
    metadata: Metadata
    user_agent: str
    max_response_bytes: int
    max_connections: int

    @classmethod
    def resolve(
        cls,
        *,
        transport: str,
        endpoint: str | None,
        credentials: Credentials | None,
        insecure: bool,
        timeout: float | None,
        retry: Retry | None,
        metadata: MetadataInput,
        user_agent: str | None,
        max_response_bytes: int,
        max_connections: int,
    ) -> Settings:
        """Checks the options of a client constructor.

        Raises:
            TypeError: An option has the wrong type.
            ValueError: An option is malformed, or a credential would travel
                in plain text to a host other than this machine.
        """
        if not isinstance(insecure, bool):
            raise TypeError(f"insecure must be a bool, not {type(insecure).__name__}")
        resolved: GrpcEndpoint | RestEndpoint
        name: TransportName
        if transport == "grpc":
            name, resolved = "grpc", grpc_endpoint(endpoint, insecure=insecure)
        elif transport == "rest":
            name, resolved = "rest", rest_endpoint(endpoint, insecure=insecure)
        else:
            raise ValueError(f"transport must be 'grpc' or 'rest', not {transport!r}")
        if retry is not None and not isinstance(retry, Retry):
            raise TypeError(
                f"retry must be a scanner_grpc.Retry or None, not "
                f"{type(retry).__name__}"
            )
        budget = None if timeout is None else checked_timeout(timeout)
        checked_metadata = check_metadata(metadata)
        agent = full_user_agent(user_agent)
        body_limit = _positive_int("max_response_bytes", max_response_bytes)
        connections = _positive_int("max_connections", max_connections)
        # Last, once every other option is known to be good: the default
        # chain may read a key file.
        found_credentials = _credentials(credentials)
        if found_credentials is not None:
            _refuse_plain_text(transport, resolved)
        return cls(
            transport=name,
            endpoint=resolved,
            credentials=found_credentials,
            timeout=budget,
            retry=Retry.disabled() if retry is None else retry,
            metadata=checked_metadata,
            user_agent=agent,
            max_response_bytes=body_limit,
            max_connections=connections,
        )

    def describe(self, class_name: str) -> str:
        """The client's ``repr``: where it connects, never a secret."""
        if isinstance(self.endpoint, GrpcEndpoint):
            where = f"endpoint={self.endpoint.target!r}"
            if not self.endpoint.secure:
                where += ", insecure=True"
        else:
            where = f"endpoint={self.endpoint.origin + self.endpoint.prefix!r}"
        credentials = (
            "None"
            if self.credentials is None
            else f"<{type(self.credentials).__name__}>"
        )
        return (
            f"{class_name}(transport={self.transport!r}, {where}, "
            f"credentials={credentials})"
        )


def checked_timeout(timeout: float) -> float:
    """``timeout`` if it is a positive, finite number of seconds."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(
            f"timeout must be a number of seconds, not {type(timeout).__name__}"
        )
    if not (math.isfinite(timeout) and timeout > 0):
        raise ValueError(
            f"timeout must be a positive, finite number of seconds, not {timeout}"
        )
    return float(timeout)


def checked_request(scan_result_id: str) -> GetScanResultRequest:
    """The request for ``scan_result_id``, checked against the protos' constraints.

    Raises:
        TypeError: ``scan_result_id`` is not a ``str``.
        InvalidArgument: It breaks a constraint of the protos (it is
            required, and has a maximum length); the message names the field
            and the limit, and the details hold a ``google.rpc.BadRequest``.
            Nothing was sent.
    """
    if not isinstance(scan_result_id, str):
        raise TypeError(
            f"scan_result_id must be a str, not {type(scan_result_id).__name__}"
        )
    try:
        request = GetScanResultRequest(scan_result_id=scan_result_id)
    except ValueError as error:
        # protobuf refuses strings that are not valid Unicode (lone surrogates).
        raise InvalidArgument(
            f"scan_result_id {scan_result_id!r} is not valid Unicode text",
            details=(_bad_request([("scan_result_id", "not valid Unicode")]),),
        ) from error
    found = violations(request)
    if found:
        raise InvalidArgument(
            "; ".join(violation.description for violation in found),
            details=(_bad_request([(v.field, v.description) for v in found]),),
        )
    return request


def _bad_request(
    field_violations: list[tuple[str, str]],
) -> error_details_pb2.BadRequest:
    # Only a failing call pays for loading the error detail messages.
    from google.rpc import error_details_pb2

    return error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(
                field=field, description=description
            )
            for field, description in field_violations
        ]
    )


def retry_or_raise(
    exception: Exception,
    *,
    retry: Retry,
    attempt: int,
    deadline: float | None,
    budget: float | None,
    request_id: str,
    trace_id: str,
    logger: logging.Logger,
) -> tuple[float, ScannerError]:
    """Decides what follows a failed attempt; call it in the ``except`` block.

    Returns:
        The seconds to wait before the next attempt, and the failure.

    Raises:
        ScannerError: The failure, when it is not retried; it is raised from
            ``exception`` when it stands for it. ``DeadlineExceeded``, from
            the failure, when the wait would end past the call's budget.
        Exception: ``exception`` itself when it is no failure of the call but
            a bug or a misuse.
    """
    # Only a failing call pays for loading the mapping and what it needs.
    from scanner_grpc._transports._failures import from_exception

    error = from_exception(
        exception, client_request_id=request_id, client_trace_id=trace_id
    )
    if error is None:
        raise exception
    if error is not exception:
        error.__cause__ = exception
    delay = retry.delay_after(error, attempt)
    if delay is None:
        raise error
    if deadline is not None and retry.clock() + delay >= deadline:
        raise budget_spent(budget, attempt, error) from error
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "attempt %d failed with %s; retrying in %.3f s", attempt, error, delay
        )
    return delay, error


def budget_spent(
    budget: float | None, attempts: int, last: ScannerError
) -> DeadlineExceeded:
    """The error of a call whose budget ran out between two attempts."""
    return DeadlineExceeded(
        f"the call's timeout of {budget:g} s ran out after {attempts} "
        f"attempt{'s' if attempts != 1 else ''}; the last failed with {last}",
        request_id=last.request_id,
        server_trace_id=last.server_trace_id,
        client_request_id=last.client_request_id,
        client_trace_id=last.client_trace_id,
        http_status=last.http_status,
    )


def log_attempt(
    logger: logging.Logger,
    scan_result_id: str,
    attempt: int,
    retry: Retry,
    request_id: str,
) -> None:
    """Logs the start of an attempt at DEBUG; the caller checks the level."""
    logger.debug(
        "get_scan_result(%r): attempt %d of %d, x-client-request-id %s",
        scan_result_id,
        attempt,
        retry.max_attempts,
        request_id,
    )


def closed_error(class_name: str) -> RuntimeError:
    """The error of a call on a closed client."""
    return RuntimeError(f"this {class_name} is closed; make a new one")


def _credentials(credentials: Credentials | None) -> Credentials | None:
    # scanner_grpc.auth loads with the first client, not with the package.
    from scanner_grpc import auth

    if credentials is None:
        # The default chain: an IAM token, a key file or the metadata
        # service, as the environment says; None when it says nothing.
        return auth.default_credentials()
    if not isinstance(credentials, auth.Credentials):
        raise TypeError(
            "credentials must be a scanner_grpc.auth.Credentials, such as "
            f"IamToken(...), not {type(credentials).__name__}"
        )
    return credentials


def _refuse_plain_text(transport: str, endpoint: GrpcEndpoint | RestEndpoint) -> None:
    if endpoint.secure or endpoint.is_loopback:
        return
    fix = (
        "drop insecure=True to use TLS"
        if transport == "grpc"
        else "use an https:// URL"
    )
    raise ValueError(
        f"refusing to send credentials in plain text to {endpoint.host!r}, "
        f"which is not this machine: {fix}, or connect to a loopback address"
    )


def _positive_int(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, not {value}")
    return value


class ScannerClient:
    """A blocking client of the Container Registry vulnerability scanner.

    It keeps one gRPC channel or one pool of HTTP connections, and is safe to
    share between threads. Use it as a context manager, or call ``close``::

        from scanner_grpc import ScannerClient
        from scanner_grpc.auth import IamToken

        with ScannerClient(credentials=IamToken(token)) as client:
            result = client.get_scan_result("crp1234567890abcdefg")
        print(result.vulnerabilities.critical)

    Args:
        transport: ``"grpc"`` (the default) or ``"rest"``.
        endpoint: Where the service is. For gRPC ``host:port``; for REST a
            URL, ``https://`` or ``http://``. ``None`` means the Yandex Cloud
            service over TLS: ``container-registry.api.cloud.yandex.net:443``
            or ``https://container-registry.api.cloud.yandex.net``.
        credentials: Where the IAM tokens come from, such as
            ``scanner_grpc.auth.IamToken(token)``. ``None`` means
            ``scanner_grpc.auth.default_credentials()``, which reads the
            environment and may find none: calls then carry no
            ``authorization``.
        insecure: gRPC only: talk to ``endpoint`` without TLS, as to a local
            emulator. For REST, an ``http://`` URL says the same.
        timeout: Seconds that a call may take by default, every attempt and
            every wait between them included; 30 unless given. ``None``
            means no limit.
        retry: When failed calls are tried again; see ``Retry`` for the
            defaults. ``None`` or ``Retry.disabled()`` tries every call once.
        metadata: Headers (gRPC metadata) sent with every call, as a mapping
            or ``(name, value)`` pairs of ASCII text. The client's own
            headers (``authorization``, ``user-agent``,
            ``x-client-request-id``, ``x-client-trace-id``) cannot be set.
        user_agent: Text appended to ``scanner-grpc/<version>`` in the
            ``user-agent`` header, such as ``"my-tool/1.2"``.
        max_response_bytes: REST only: the longest body the client reads;
            a longer one fails the call with ``ResourceExhausted``. 4 MiB by
            default, as gRPC's own limit on a message.
        max_connections: REST only: connections kept open for reuse; 10 by
            default.

    Raises:
        TypeError: An option has the wrong type.
        ValueError: An option is malformed, or credentials would be sent in
            plain text to a host other than this machine (an insecure gRPC
            endpoint or an ``http://`` URL that is not loopback).
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
        self._transport = _sync_transport(settings)

    def get_scan_result(
        self,
        scan_result_id: str,
        *,
        timeout: float | None = None,
        metadata: MetadataInput = (),
    ) -> ScanResult:
        """Reads one scan result by its id.

        Args:
            scan_result_id: The id, such as ``"crp1234567890abcdefg"``.
            timeout: Seconds for this call, retries included; ``None`` means
                the client's ``timeout``.
            metadata: Headers for this call only, on top of the client's.

        Returns:
            The ``scanner_grpc.types.ScanResult``.

        Raises:
            TypeError: ``scan_result_id`` is not a ``str``.
            scanner_grpc.errors.ScannerError: The call failed; the subclass
                tells how (``NotFound``, ``Unavailable``, ``DeadlineExceeded``,
                ``InvalidArgument`` for an id that breaks the constraints, so
                never sent...).
            RuntimeError: The client is closed.
        """
        request = checked_request(scan_result_id)
        if self._closed:
            raise closed_error(type(self).__name__)
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
                    else credentials.token(timeout=remaining)
                )
                return transport.get(
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
            retry.sleep(delay)
            attempt += 1

    def close(self) -> None:
        """Closes the channel or the connection pool; later calls fail."""
        if not self._closed:
            self._closed = True
            self._transport.close()

    def __enter__(self) -> ScannerClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return self._settings.describe(type(self).__name__)


def _sync_transport(settings: Settings) -> SyncTransport:
    # The transport modules import grpc or urllib3; only the one in use loads.
    endpoint = settings.endpoint
    if isinstance(endpoint, GrpcEndpoint):
        from scanner_grpc._transports._grpc import GrpcTransport

        return GrpcTransport(
            endpoint,
            user_agent=settings.user_agent,
            metadata=settings.metadata,
        )
    from scanner_grpc._transports._rest import RestTransport

    return RestTransport(
        endpoint,
        user_agent=settings.user_agent,
        metadata=settings.metadata,
        max_response_bytes=settings.max_response_bytes,
        max_connections=settings.max_connections,
    )
