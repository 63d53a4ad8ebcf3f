"""The headers and metadata that the service sees, and the caller's own."""

from __future__ import annotations

import uuid

import pytest
from client_helpers import Connect, FakeTime, Kind, gets
from google.rpc import code_pb2

from scanner_grpc import ScannerClient, __version__
from scanner_grpc.emulator import Emulator


def _an_id(emulator: Emulator) -> str:
    scan_result_id: str = emulator.scan_results[0].id
    return scan_result_id


def _is_uuid4(text: str) -> bool:
    return uuid.UUID(text).version == 4 and str(uuid.UUID(text)) == text


async def test_get_scan_result_sends_request_and_trace_ids(
    fresh_emulator: Emulator, connect: Connect, fake_time: FakeTime
) -> None:
    fresh_emulator.faults.fail_next(code_pb2.UNAVAILABLE, times=2)
    client = connect(fresh_emulator, retry=fake_time.retry())

    await client.get(_an_id(fresh_emulator))
    await client.get(_an_id(fresh_emulator))

    first_call, second_call = gets(fresh_emulator)[:3], gets(fresh_emulator)[3:]
    request_ids = [seen.headers["x-client-request-id"] for seen in gets(fresh_emulator)]
    assert all(_is_uuid4(request_id) for request_id in request_ids)
    assert len(set(request_ids)) == 4  # a new one for every attempt
    first_trace = {seen.headers["x-client-trace-id"] for seen in first_call}
    second_trace = {seen.headers["x-client-trace-id"] for seen in second_call}
    assert len(first_trace) == len(second_trace) == 1  # one for every call
    assert first_trace != second_trace
    assert all(_is_uuid4(trace) for trace in first_trace | second_trace)


async def test_get_scan_result_sends_user_agent(
    emulator: Emulator, connect: Connect
) -> None:
    plain = connect(emulator)
    await plain.get(_an_id(emulator))
    agent = emulator.requests[-1].headers["user-agent"]
    assert agent.startswith(f"scanner-grpc/{__version__}")

    suffixed = connect(emulator, user_agent="my-tool/1.2")
    await suffixed.get(_an_id(emulator))
    agent = emulator.requests[-1].headers["user-agent"]
    # gRPC appends its own product tokens after the primary user agent.
    assert agent.startswith(f"scanner-grpc/{__version__} my-tool/1.2")


async def test_get_scan_result_sends_caller_metadata(
    emulator: Emulator, connect: Connect
) -> None:
    client = connect(emulator, metadata={"X-Team": "security", "x-build": "42"})

    await client.get(_an_id(emulator), metadata=[("x-step", "scan gate")])
    headers = emulator.requests[-1].headers
    assert headers["x-team"] == "security"
    assert headers["x-build"] == "42"
    assert headers["x-step"] == "scan gate"

    await client.get(_an_id(emulator))
    headers = emulator.requests[-1].headers
    assert headers["x-team"] == "security"
    assert "x-step" not in headers  # per-call metadata stays with its call


async def test_get_scan_result_sends_no_authorization_without_credentials(
    emulator: Emulator, connect: Connect
) -> None:
    await connect(emulator).get(_an_id(emulator))
    assert "authorization" not in emulator.requests[-1].headers


@pytest.mark.parametrize(
    ("metadata", "error", "fragment"),
    [
        ({"authorization": "Bearer x"}, ValueError, "credentials=IamToken"),
        ({"Authorization": "Bearer x"}, ValueError, "credentials=IamToken"),
        ({"user-agent": "x"}, ValueError, "user_agent="),
        ({"x-client-request-id": "x"}, ValueError, "the client sets it"),
        ({"grpc-timeout": "1S"}, ValueError, "grpc-timeout"),
        ({"x-data-bin": "x"}, ValueError, "-bin"),
        ({"x bad": "x"}, ValueError, "must consist of"),
        ({"x-ok": "line\r\nbreak"}, ValueError, "printable ASCII"),
        ({"x-ok": "café"}, ValueError, "printable ASCII"),
        ([("x-ok", 1)], TypeError, "must be str"),
        (["x-ok"], TypeError, "pairs"),
        ("x-ok", TypeError, "pairs"),
    ],
    ids=[
        "authorization",
        "authorization-capitalised",
        "user-agent",
        "request-id",
        "grpc-prefix",
        "binary",
        "space-in-name",
        "line-break",
        "non-ascii",
        "int-value",
        "not-pairs",
        "string",
    ],
)
def test_scanner_client_rejects_bad_metadata(
    metadata: object, error: type[Exception], fragment: str
) -> None:
    with pytest.raises(error, match=fragment):
        ScannerClient(
            endpoint="127.0.0.1:1",
            insecure=True,
            metadata=metadata,  # type: ignore[arg-type]
        )


async def test_get_scan_result_rejects_bad_call_metadata(
    emulator: Emulator, connect: Connect, kind: Kind
) -> None:
    client = connect(emulator)
    before = len(emulator.requests)
    with pytest.raises(ValueError, match="credentials=IamToken"):
        await client.get(_an_id(emulator), metadata={"authorization": "Bearer x"})
    assert len(emulator.requests) == before


@pytest.mark.parametrize("suffix", ["", "   ", "tool\n1", "наш/1"], ids=repr)
def test_scanner_client_rejects_bad_user_agent(suffix: str) -> None:
    with pytest.raises(ValueError, match="user_agent"):
        ScannerClient(endpoint="127.0.0.1:1", insecure=True, user_agent=suffix)


def test_new_id_makes_distinct_version_4_uuids() -> None:
    from scanner_grpc._transports._headers import new_id

    made = [new_id() for _ in range(2000)]
    assert len(set(made)) == len(made)
    for text in made:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert str(parsed) == text
    # Every hex digit varies, but for the version digit (always 4) and the
    # variant digit (8, 9, a or b).
    for position in range(36):
        if position in (8, 13, 18, 23):  # the hyphens
            continue
        digits = {text[position] for text in made}
        if position == 14:
            assert digits == {"4"}
        elif position == 19:
            assert digits == {"8", "9", "a", "b"}
        else:
            assert len(digits) > 8, position
