"""Building, describing and closing the clients; what importing costs."""

from __future__ import annotations

import inspect
import subprocess
import sys
from typing import Any

import pytest
from client_helpers import Connect, Kind

import scanner_grpc
from scanner_grpc import AsyncScannerClient, Retry, ScannerClient, errors
from scanner_grpc.emulator import Emulator


def _an_id(emulator: Emulator) -> str:
    scan_result_id: str = emulator.scan_results[0].id
    return scan_result_id


def test_package_exports_are_sorted_and_complete() -> None:
    exported = scanner_grpc.__all__
    assert exported == sorted(exported)
    assert set(exported) == {
        "AsyncScannerClient",
        "Retry",
        "ScannerClient",
        "ScannerError",
        "__version__",
    }
    for name in exported:
        assert hasattr(scanner_grpc, name)


def test_clients_take_the_same_keyword_only_options() -> None:
    sync = inspect.signature(ScannerClient)
    asynchronous = inspect.signature(AsyncScannerClient)
    assert sync.parameters == asynchronous.parameters
    assert all(
        parameter.kind is inspect.Parameter.KEYWORD_ONLY
        for parameter in sync.parameters.values()
    )
    assert sync.parameters["timeout"].default == 30.0
    assert sync.parameters["retry"].default == Retry()
    assert sync.parameters["max_response_bytes"].default == 4 * 1024 * 1024


@pytest.mark.parametrize("client_class", [ScannerClient, AsyncScannerClient])
@pytest.mark.parametrize(
    ("transport", "expected"),
    [
        ("grpc", "endpoint='container-registry.api.cloud.yandex.net:443'"),
        ("rest", "endpoint='https://container-registry.api.cloud.yandex.net'"),
    ],
)
async def test_client_defaults_to_the_real_service_over_tls(
    client_class: Any, transport: str, expected: str
) -> None:
    # Only constructed and described: never called.
    client = client_class(transport=transport)
    try:
        assert expected in repr(client)
        assert "insecure" not in repr(client)
        assert "credentials=None" in repr(client)
    finally:
        result = client.close()
        if inspect.isawaitable(result):
            await result


@pytest.mark.parametrize(
    ("options", "error", "fragment"),
    [
        ({"transport": "http"}, ValueError, "transport must be 'grpc' or 'rest'"),
        ({"insecure": True}, ValueError, "needs an explicit endpoint"),
        ({"insecure": "yes"}, TypeError, "insecure must be a bool"),
        ({"endpoint": "http://127.0.0.1:50051"}, ValueError, "not a URL"),
        ({"endpoint": "127.0.0.1:port"}, ValueError, "invalid port"),
        ({"endpoint": "127.0.0.1:70000"}, ValueError, "invalid port"),
        ({"endpoint": "::1:50051"}, ValueError, "in brackets"),
        ({"endpoint": ":50051"}, ValueError, "names no host"),
        ({"endpoint": 50051}, TypeError, "endpoint must be a str"),
        (
            {"transport": "rest", "endpoint": "127.0.0.1:8080"},
            ValueError,
            "must be a URL",
        ),
        (
            {"transport": "rest", "endpoint": "ftp://127.0.0.1"},
            ValueError,
            "must be a URL",
        ),
        (
            {"transport": "rest", "endpoint": "http://127.0.0.1:8080/?x=1"},
            ValueError,
            "no query",
        ),
        (
            {"transport": "rest", "endpoint": "http://127.0.0.1:99999"},
            ValueError,
            "not a valid URL",
        ),
        (
            {"transport": "rest", "endpoint": "https://h", "insecure": True},
            ValueError,
            "http:// URL",
        ),
        ({"timeout": 0}, ValueError, "positive"),
        ({"timeout": -1.0}, ValueError, "positive"),
        ({"timeout": float("nan")}, ValueError, "positive"),
        ({"timeout": "30"}, TypeError, "number of seconds"),
        ({"retry": 3}, TypeError, "scanner_grpc.Retry"),
        ({"credentials": "t1.token"}, TypeError, "IamToken"),
        ({"max_response_bytes": 0}, ValueError, "max_response_bytes"),
        ({"max_connections": 1.5}, TypeError, "max_connections"),
    ],
    ids=lambda value: repr(value) if isinstance(value, dict) else "",
)
def test_scanner_client_rejects_bad_options(
    options: dict[str, Any], error: type[Exception], fragment: str
) -> None:
    with pytest.raises(error, match=fragment):
        ScannerClient(**options)


def test_scanner_client_takes_options_by_keyword_only() -> None:
    with pytest.raises(TypeError):
        ScannerClient("grpc")  # type: ignore[call-arg]


async def test_get_scan_result_rejects_bad_call_timeout(
    emulator: Emulator, connect: Connect
) -> None:
    client = connect(emulator)
    with pytest.raises(ValueError, match="positive"):
        await client.get(_an_id(emulator), timeout=0)


async def test_client_without_timeout_still_works(
    emulator: Emulator, connect: Connect
) -> None:
    client = connect(emulator, timeout=None)
    assert await client.get(_an_id(emulator)) == emulator.scan_results[0]


async def test_client_under_a_path_prefix(
    emulator: Emulator, connect: Connect, kind: Kind
) -> None:
    # A REST endpoint's own path goes before the rule's path; here the
    # emulator has nothing there, which proves that the prefix is sent.
    if kind.is_rest:
        client = connect(None, endpoint=emulator.rest_url + "/prefix/", retry=None)
        with pytest.raises(errors.NotFound) as caught:
            await client.get(_an_id(emulator))
        assert caught.value.http_status == 404
    else:
        client = connect(emulator)
        assert await client.get(_an_id(emulator)) == emulator.scan_results[0]


async def test_client_refuses_calls_once_closed(
    emulator: Emulator, connect: Connect
) -> None:
    client = connect(emulator)
    assert await client.get(_an_id(emulator)) == emulator.scan_results[0]
    await client.close()
    await client.close()  # closing twice is fine

    with pytest.raises(RuntimeError, match="is closed"):
        await client.get(_an_id(emulator))


def test_scanner_client_closes_as_a_context_manager(emulator: Emulator) -> None:
    with ScannerClient(endpoint=emulator.grpc_target, insecure=True) as client:
        assert client.get_scan_result(_an_id(emulator)) == emulator.scan_results[0]
    with pytest.raises(RuntimeError, match="is closed"):
        client.get_scan_result(_an_id(emulator))


async def test_async_scanner_client_closes_as_a_context_manager(
    emulator: Emulator,
) -> None:
    async with AsyncScannerClient(
        transport="rest", endpoint=emulator.rest_url
    ) as client:
        result = await client.get_scan_result(_an_id(emulator))
        assert result == emulator.scan_results[0]
    with pytest.raises(RuntimeError, match="is closed"):
        await client.get_scan_result(_an_id(emulator))


def _modules_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return set(done.stdout.split())


def test_import_loads_no_transport_library() -> None:
    loaded = _modules_after("import scanner_grpc, scanner_grpc.errors")
    assert not {"grpc", "urllib3", "aiohttp", "jwt", "cryptography"} & loaded


def test_sync_and_grpc_clients_do_not_load_aiohttp() -> None:
    loaded = _modules_after(
        "from scanner_grpc import AsyncScannerClient, ScannerClient\n"
        "ScannerClient(transport='rest', endpoint='http://127.0.0.1:1').close()\n"
        "ScannerClient(endpoint='127.0.0.1:1', insecure=True).close()\n"
        "AsyncScannerClient(endpoint='127.0.0.1:1', insecure=True)\n"
    )
    assert "urllib3" in loaded
    assert "grpc" in loaded
    assert "aiohttp" not in loaded


def test_async_rest_client_loads_aiohttp() -> None:
    loaded = _modules_after(
        "from scanner_grpc import AsyncScannerClient\n"
        "AsyncScannerClient(transport='rest', endpoint='http://127.0.0.1:1')\n"
    )
    assert "aiohttp" in loaded
