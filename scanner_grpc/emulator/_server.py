"""The emulator: a gRPC and a REST server of ScannerService on loopback."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from types import TracebackType

from scanner_grpc._generated.yandex.cloud.containerregistry.v1 import (
    scanner_service_pb2,
)
from scanner_grpc.emulator._auth import IAM_TOKENS_PATH, METADATA_TOKEN_PATH
from scanner_grpc.emulator._calls import Dispatcher
from scanner_grpc.emulator._data import DataSource, load_dataset
from scanner_grpc.emulator._faults import Faults
from scanner_grpc.emulator._grpc import GrpcFrontend
from scanner_grpc.emulator._iam import TokenAuthority
from scanner_grpc.emulator._records import Journal, RecordedRequest
from scanner_grpc.emulator._rest import RestGateway
from scanner_grpc.emulator._service import HANDLERS
from scanner_grpc.types import ScanResult, Vulnerability

__all__ = ["Emulator"]

_SERVICE = scanner_service_pb2.DESCRIPTOR.services_by_name["ScannerService"]


class Emulator:
    """A local ScannerService, served over gRPC and REST on loopback.

    Use it as a context manager; the addresses are known once it has
    started::

        with Emulator() as emu:
            channel = grpc.insecure_channel(emu.grpc_target)
            ...

    It serves the bundled sample data unless given other data. Faults are
    injected through ``faults``; every request received is in ``requests``.

    Args:
        host: The loopback address to listen on (``127.0.0.1`` or ``::1``).
        grpc_port: The gRPC port; 0 picks a free one.
        rest_port: The REST port; 0 picks a free one.
        data: A data file's path, its parsed JSON object, or None for the
            bundled sample data (the format is described in
            ``scanner_grpc.emulator``).
        auth: Whether ScannerService calls need a bearer token from
            ``authority``; settable later as ``auth_required``.
        clock: The time source of token expiry, so tests can move it.

    Raises:
        EmulatorDataError: ``data`` is unusable; the message names the
            record and the field.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        grpc_port: int = 0,
        rest_port: int = 0,
        data: DataSource = None,
        auth: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._host = host
        self._ports = (grpc_port, rest_port)
        self._clock = clock
        self._dataset = load_dataset(data)
        self.faults = Faults()
        """The fault queue and added latency of ScannerService calls."""
        self.authority = TokenAuthority(clock=clock)
        """Issues and checks tokens, and serves the IAM and metadata endpoints."""
        self._journal = Journal()
        self._dispatcher = Dispatcher(
            dataset=self._dataset,
            handlers=HANDLERS,
            faults=self.faults,
            authority=self.authority,
        )
        self._dispatcher.auth_required = auth
        self._grpc: GrpcFrontend | None = None
        self._rest: RestGateway | None = None

    def __repr__(self) -> str:
        if self._grpc is None or self._rest is None:
            return "Emulator(stopped)"
        return f"Emulator(grpc_target={self.grpc_target!r}, rest_url={self.rest_url!r})"

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> Emulator:
        """Starts both servers; returns the emulator.

        Raises:
            OSError: A port cannot be listened on; the message names it.
            RuntimeError: The emulator is running already.
        """
        if self._grpc is not None:
            raise RuntimeError("the emulator is running already")
        grpc_port, rest_port = self._ports
        frontend = GrpcFrontend(
            service=_SERVICE,
            host=self._host,
            port=grpc_port,
            dispatcher=self._dispatcher,
            journal=self._journal,
        )
        try:
            gateway = RestGateway(
                service=_SERVICE,
                host=self._host,
                port=rest_port,
                dispatcher=self._dispatcher,
                journal=self._journal,
                authority=self.authority,
                clock=self._clock,
            )
        except BaseException:
            frontend.stop()
            raise
        self._dispatcher.stopping.clear()
        frontend.start()
        gateway.start()
        self._grpc, self._rest = frontend, gateway
        return self

    def stop(self) -> None:
        """Stops both servers and closes their connections. Idempotent."""
        frontend, gateway = self._grpc, self._rest
        self._grpc = self._rest = None
        self._dispatcher.stopping.set()
        if gateway is not None:
            gateway.stop()
        if frontend is not None:
            frontend.stop()

    @property
    def grpc_target(self) -> str:
        """The gRPC address, such as ``"127.0.0.1:50051"``."""
        return self._running()[0].target

    @property
    def rest_url(self) -> str:
        """The REST base URL, such as ``"http://127.0.0.1:8080"``."""
        return self._running()[1].url

    @property
    def iam_url(self) -> str:
        """The URL of the IAM token exchange (``POST {"jwt": ...}``)."""
        return self.rest_url + IAM_TOKENS_PATH

    @property
    def metadata_url(self) -> str:
        """The URL of the VM metadata service's token endpoint."""
        return self.rest_url + METADATA_TOKEN_PATH

    @property
    def scan_results(self) -> tuple[ScanResult, ...]:
        """The scan results served, in the order of the data."""
        return self._dataset.scan_results

    @property
    def vulnerabilities(self) -> Mapping[str, tuple[Vulnerability, ...]]:
        """The vulnerabilities served, by scan result id."""
        return self._dataset.vulnerabilities

    @property
    def repositories(self) -> Mapping[str, tuple[str, ...]]:
        """The image ids of each repository, for ``List`` by ``repository_id``."""
        return self._dataset.repositories

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received, on both interfaces, in order of arrival.

        The list itself, not a copy: ``emulator.requests.clear()`` forgets
        the requests so far. It keeps the latest 100,000 at least and at
        most twice that, so that a long-running emulator stays bounded.
        """
        return self._journal.requests

    @property
    def auth_required(self) -> bool:
        """Whether ScannerService calls need a valid bearer token."""
        return self._dispatcher.auth_required

    @auth_required.setter
    def auth_required(self, required: bool) -> None:
        self._dispatcher.auth_required = bool(required)

    def _running(self) -> tuple[GrpcFrontend, RestGateway]:
        if self._grpc is None or self._rest is None:
            raise RuntimeError("the emulator is not running; start() it first")
        return self._grpc, self._rest
