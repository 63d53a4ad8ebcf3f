"""Which handler an HTTP request goes to, from the service's HTTP bindings.

The ScannerService routes come from ``google.api.http`` rules read from the
service descriptor (verb templates first, so ``/scans/{id}:listVulnerabilities``
wins over ``/scans/{id}``); a few fixed paths that are not RPCs (the IAM and
metadata token endpoints) are routed beside them. A path that no route
knows is NOT_FOUND; a known path asked with another HTTP method is answered
405 with an UNIMPLEMENTED Status and an ``Allow`` header, because the
table's 501 would tell the client that the server lacks the method
altogether.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from google.rpc import code_pb2

from scanner_grpc._http_rules import HttpBinding
from scanner_grpc.emulator._status import RpcFailure, invalid_argument

__all__ = ["LocalRoute", "NoRoute", "Route", "Router", "RpcRoute"]

_LABEL_PATH_LIMIT = 120


@dataclass(frozen=True)
class RpcRoute:
    """A ScannerService call: the binding and the decoded path variables."""

    binding: HttpBinding
    path_values: Mapping[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The RPC name, as the request is recorded."""
        name: str = self.binding.method.name
        return name


@dataclass(frozen=True)
class LocalRoute:
    """A fixed endpoint that is not an RPC, such as the IAM token exchange."""

    label: str
    key: str


@dataclass(frozen=True)
class NoRoute:
    """A request that no route serves, and the failure to answer it with."""

    label: str
    failure: RpcFailure


Route = RpcRoute | LocalRoute | NoRoute


class Router:
    """Finds the route of an HTTP request.

    Args:
        bindings: The service's HTTP bindings, in matching order.
        local: Fixed routes: ``(HTTP method, path)`` to a key the gateway
            knows.
    """

    def __init__(
        self, bindings: Sequence[HttpBinding], local: Mapping[tuple[str, str], str]
    ) -> None:
        self._bindings = tuple(bindings)
        self._local = dict(local)

    def route(self, http_method: str, raw_path: str) -> Route:
        """The route of ``http_method`` on ``raw_path`` (still percent-encoded)."""
        label = f"{http_method} {_shorten(raw_path)}"
        allowed: list[str] = []
        for (local_method, path), key in self._local.items():
            if path == raw_path:
                if local_method == http_method:
                    return LocalRoute(label, key)
                allowed.append(local_method)

        for binding in self._bindings:
            try:
                values = binding.template.match(raw_path)
            except ValueError as error:
                if binding.http_method != http_method:
                    allowed.append(binding.http_method)
                    continue
                return NoRoute(
                    binding.method.name,
                    invalid_argument(
                        f"The URL path is malformed: {error}",
                        [(", ".join(binding.template.variables), str(error))],
                    ),
                )
            if values is None:
                continue
            if binding.http_method == http_method:
                return RpcRoute(binding, values)
            allowed.append(binding.http_method)

        if allowed:
            methods = ", ".join(sorted(set(allowed)))
            return NoRoute(
                label,
                RpcFailure(
                    code_pb2.UNIMPLEMENTED,
                    f"{http_method} is not allowed on {_shorten(raw_path)}; "
                    f"use {methods}",
                    http_status=405,
                    http_headers={"Allow": methods},
                ),
            )
        return NoRoute(
            label,
            RpcFailure(
                code_pb2.NOT_FOUND, f"No route for {http_method} {_shorten(raw_path)}"
            ),
        )


def _shorten(path: str) -> str:
    if len(path) <= _LABEL_PATH_LIMIT:
        return path
    return path[:_LABEL_PATH_LIMIT] + "..."
