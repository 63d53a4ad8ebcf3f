"""Where a client connects, read from its ``endpoint`` option."""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

from scanner_grpc._loopback import is_loopback_host

__all__ = [
    "DEFAULT_GRPC_ENDPOINT",
    "DEFAULT_REST_ENDPOINT",
    "GrpcEndpoint",
    "RestEndpoint",
    "grpc_endpoint",
    "rest_endpoint",
]

DEFAULT_GRPC_ENDPOINT = "container-registry.api.cloud.yandex.net:443"
DEFAULT_REST_ENDPOINT = "https://container-registry.api.cloud.yandex.net"

_PORT = re.compile(r"[0-9]{1,5}")


@dataclass(frozen=True)
class GrpcEndpoint:
    """A gRPC target, ``host:port``."""

    target: str
    host: str
    secure: bool

    @property
    def is_loopback(self) -> bool:
        """Whether the host is this machine."""
        return is_loopback_host(self.host)


@dataclass(frozen=True)
class RestEndpoint:
    """The base URL of the REST interface."""

    origin: str
    """``scheme://host[:port]``."""
    prefix: str
    """A path that the service's paths go under, ``""`` when none."""
    host: str
    secure: bool

    @property
    def is_loopback(self) -> bool:
        """Whether the host is this machine."""
        return is_loopback_host(self.host)


def grpc_endpoint(endpoint: str | None, *, insecure: bool) -> GrpcEndpoint:
    """Reads a gRPC endpoint, ``host:port`` or ``host`` (port 443).

    Raises:
        ValueError: The endpoint is malformed, or ``insecure`` is asked for
            without an endpoint; the message says what to pass instead.
    """
    if endpoint is None:
        if insecure:
            raise ValueError(
                "insecure=True needs an explicit endpoint, such as "
                "endpoint='127.0.0.1:50051'; the real service takes only TLS"
            )
        endpoint = DEFAULT_GRPC_ENDPOINT
    if not isinstance(endpoint, str):
        raise TypeError(f"endpoint must be a str, not {type(endpoint).__name__}")
    if "/" in endpoint or not endpoint.strip():
        raise ValueError(
            f"gRPC endpoint {endpoint!r} must be 'host:port', such as "
            "'127.0.0.1:50051', not a URL"
        )
    host, port = _split_host_port(endpoint)
    if port is None:
        port = "443"
    if not (_PORT.fullmatch(port) and 0 < int(port) < 65536):
        raise ValueError(f"gRPC endpoint {endpoint!r} has an invalid port {port!r}")
    target_host = f"[{host}]" if ":" in host else host
    return GrpcEndpoint(f"{target_host}:{port}", host, secure=not insecure)


def rest_endpoint(endpoint: str | None, *, insecure: bool) -> RestEndpoint:
    """Reads the base URL of the REST interface, ``http://`` or ``https://``.

    Raises:
        ValueError: The URL is malformed, or ``insecure`` is set: for REST,
            the scheme alone decides.
    """
    if insecure:
        raise ValueError(
            "insecure=True applies to gRPC; for REST without TLS give an "
            "http:// URL, such as endpoint='http://127.0.0.1:8080'"
        )
    if endpoint is None:
        endpoint = DEFAULT_REST_ENDPOINT
    if not isinstance(endpoint, str):
        raise TypeError(f"endpoint must be a str, not {type(endpoint).__name__}")
    example = "such as 'https://host' or 'http://127.0.0.1:8080'"
    try:
        parts = urllib.parse.urlsplit(endpoint)
        port = parts.port
    except ValueError as error:
        raise ValueError(f"REST endpoint {endpoint!r} is not a valid URL") from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"REST endpoint {endpoint!r} must be a URL {example}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(
            f"REST endpoint {endpoint!r} may hold no query, fragment or user "
            f"info; give a URL {example}"
        )
    host = parts.hostname
    netloc_host = f"[{host}]" if ":" in host else host
    origin = f"{parts.scheme}://{netloc_host}"
    if port is not None:
        origin += f":{port}"
    return RestEndpoint(
        origin=origin,
        # Escapes what may not stand in a path; escapes already there stay.
        prefix=urllib.parse.quote(parts.path.rstrip("/"), safe="/%:@!$&'()*+,;=~"),
        host=host,
        secure=parts.scheme == "https",
    )


def _split_host_port(endpoint: str) -> tuple[str, str | None]:
    if endpoint.startswith("["):
        host, bracket, rest = endpoint[1:].partition("]")
        if not bracket or not host or (rest and not rest.startswith(":")):
            raise ValueError(f"gRPC endpoint {endpoint!r} has a malformed IPv6 host")
        return host, rest[1:] if rest else None
    if endpoint.count(":") > 1:
        raise ValueError(
            f"gRPC endpoint {endpoint!r}: put an IPv6 address in brackets, "
            "such as '[::1]:50051'"
        )
    host, colon, port = endpoint.partition(":")
    if not host:
        raise ValueError(f"gRPC endpoint {endpoint!r} names no host")
    return host, port if colon else None
