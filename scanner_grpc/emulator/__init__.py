"""A local emulator of the Container Registry scanner service.

It serves ``ScannerService`` over gRPC and over REST on loopback, from the
bundled sample data or from a data file, with optional auth (and the IAM and
metadata token endpoints that go with it) and injectable faults. Start it
from Python::

    from scanner_grpc.emulator import Emulator

    with Emulator() as emu:
        ...  # talk to emu.grpc_target or emu.rest_url

or from a shell with ``scanner-grpc emulator``.

A data file is a JSON object whose ``scanResults`` holds ``ScanResult``
messages in their REST JSON form, whose optional ``vulnerabilities`` maps a
scan result id to its list of ``Vulnerability`` messages, and whose optional
``repositories`` maps a repository id to the ids of its images (for ``List``
by ``repository_id``).
"""

from scanner_grpc.emulator._data import EmulatorDataError
from scanner_grpc.emulator._faults import Faults
from scanner_grpc.emulator._records import RecordedRequest
from scanner_grpc.emulator._server import Emulator

__all__ = ["Emulator", "EmulatorDataError", "Faults", "RecordedRequest"]
