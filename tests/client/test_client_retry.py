"""One retry policy drives all four clients, within the call's whole budget."""

from __future__ import annotations

import dataclasses

import pytest
from client_helpers import Connect, FakeTime, gets, rest_only
from google.rpc import code_pb2

from scanner_grpc import Retry, errors
from scanner_grpc.emulator import Emulator


def _an_id(emulator: Emulator) -> str:
    scan_result_id: str = emulator.scan_results[0].id
    return scan_result_id


@pytest.mark.parametrize(
    "code", [code_pb2.UNAVAILABLE, code_pb2.RESOURCE_EXHAUSTED], ids=code_pb2.Code.Name
)
async def test_get_scan_result_retries_then_succeeds(
    fresh_emulator: Emulator, connect: Connect, fake_time: FakeTime, code: int
) -> None:
    fresh_emulator.faults.fail_next(code, times=2)
    client = connect(fresh_emulator, retry=fake_time.retry(initial_backoff=0.25))

    result = await client.get(_an_id(fresh_emulator))

    assert result == fresh_emulator.scan_results[0]
    assert [seen.code for seen in gets(fresh_emulator)] == [code, code, code_pb2.OK]
    assert fake_time.sleeps == [0.25, 0.5]  # exponential, multiplier 2


async def test_get_scan_result_retries_a_reset_connection(
    fresh_emulator: Emulator, connect: Connect, fake_time: FakeTime
) -> None:
    fresh_emulator.faults.disconnect_next()
    client = connect(fresh_emulator, retry=fake_time.retry())

    assert await client.get(_an_id(fresh_emulator)) == fresh_emulator.scan_results[0]
    assert len(gets(fresh_emulator)) == 2


@rest_only
async def test_get_scan_result_retries_a_gateway_page(
    fresh_emulator: Emulator, connect: Connect, fake_time: FakeTime
) -> None:
    fresh_emulator.faults.html_502_next(times=2)
    client = connect(fresh_emulator, retry=fake_time.retry())

    assert await client.get(_an_id(fresh_emulator)) == fresh_emulator.scan_results[0]
    assert len(gets(fresh_emulator)) == 3


async def test_get_scan_result_gives_up_when_attempts_run_out(
    fresh_emulator: Emulator, connect: Connect, fake_time: FakeTime
) -> None:
    fresh_emulator.faults.fail_next(code_pb2.UNAVAILABLE, times=5)
    client = connect(fresh_emulator, retry=fake_time.retry(max_attempts=3))

    with pytest.raises(errors.Unavailable) as caught:
        await client.get(_an_id(fresh_emulator))

    seen = gets(fresh_emulator)
    assert len(seen) == 3
    # The error is the last attempt's.
    assert caught.value.client_request_id == seen[-1].headers["x-client-request-id"]
    assert len(fake_time.sleeps) == 2


@pytest.mark.parametrize("retry", [None, Retry.disabled()], ids=["None", "disabled"])
async def test_get_scan_result_does_not_retry_when_switched_off(
    fresh_emulator: Emulator, connect: Connect, retry: Retry | None
) -> None:
    fresh_emulator.faults.fail_next(code_pb2.UNAVAILABLE, times=2)
    client = connect(fresh_emulator, retry=retry)

    with pytest.raises(errors.Unavailable):
        await client.get(_an_id(fresh_emulator))

    assert len(gets(fresh_emulator)) == 1


@pytest.mark.parametrize(
    "code",
    [code_pb2.INTERNAL, code_pb2.NOT_FOUND, code_pb2.DEADLINE_EXCEEDED],
    ids=code_pb2.Code.Name,
)
async def test_get_scan_result_does_not_retry_other_codes(
    fresh_emulator: Emulator, connect: Connect, fake_time: FakeTime, code: int
) -> None:
    fresh_emulator.faults.fail_next(code)
    client = connect(fresh_emulator, retry=fake_time.retry())

    with pytest.raises(errors.error_class_for_code(code)):
        await client.get(_an_id(fresh_emulator))

    assert len(gets(fresh_emulator)) == 1
    assert fake_time.sleeps == []


async def test_get_scan_result_retries_the_codes_it_is_told(
    fresh_emulator: Emulator, connect: Connect, fake_time: FakeTime
) -> None:
    fresh_emulator.faults.fail_next(code_pb2.ABORTED)
    client = connect(fresh_emulator, retry=fake_time.retry(codes={code_pb2.ABORTED}))

    assert await client.get(_an_id(fresh_emulator)) == fresh_emulator.scan_results[0]
    assert len(gets(fresh_emulator)) == 2


async def test_get_scan_result_honours_retry_after(
    fresh_emulator: Emulator, connect: Connect, fake_time: FakeTime
) -> None:
    fresh_emulator.faults.fail_next(code_pb2.RESOURCE_EXHAUSTED, retry_after=2.5)
    client = connect(fresh_emulator, retry=fake_time.retry(initial_backoff=0.01))

    assert await client.get(_an_id(fresh_emulator)) == fresh_emulator.scan_results[0]
    # The service's delay wins over the shorter backoff, and beyond max_backoff.
    assert fake_time.sleeps == [2.5]


async def test_get_scan_result_keeps_the_budget_across_retries(
    fresh_emulator: Emulator, connect: Connect, fake_time: FakeTime
) -> None:
    fresh_emulator.faults.fail_next(code_pb2.UNAVAILABLE, times=10)
    retry = fake_time.retry(max_attempts=10, initial_backoff=0.3, multiplier=1.0)
    client = connect(fresh_emulator, retry=retry, timeout=1.0)

    with pytest.raises(errors.DeadlineExceeded) as caught:
        await client.get(_an_id(fresh_emulator))

    # Attempts start at 0, 0.3, 0.6 and 0.9 s; a fifth would start at 1.2 s.
    assert len(gets(fresh_emulator)) == 4
    assert fake_time.sleeps == [0.3, 0.3, 0.3]
    assert isinstance(caught.value.__cause__, errors.Unavailable)
    assert "after 4 attempts" in caught.value.message


async def test_get_scan_result_per_call_timeout_is_the_budget(
    fresh_emulator: Emulator, connect: Connect, fake_time: FakeTime
) -> None:
    fresh_emulator.faults.fail_next(code_pb2.UNAVAILABLE, times=10)
    retry = fake_time.retry(max_attempts=10, initial_backoff=0.3, multiplier=1.0)
    client = connect(fresh_emulator, retry=retry, timeout=30.0)

    with pytest.raises(errors.DeadlineExceeded):
        await client.get(_an_id(fresh_emulator), timeout=0.5)

    assert len(gets(fresh_emulator)) == 2  # at 0 and 0.3 s


async def test_get_scan_result_gives_up_when_retry_after_exceeds_budget(
    fresh_emulator: Emulator, connect: Connect, fake_time: FakeTime
) -> None:
    fresh_emulator.faults.fail_next(code_pb2.RESOURCE_EXHAUSTED, retry_after=60)
    client = connect(fresh_emulator, retry=fake_time.retry(), timeout=5.0)

    with pytest.raises(errors.DeadlineExceeded) as caught:
        await client.get(_an_id(fresh_emulator))

    assert isinstance(caught.value.__cause__, errors.ResourceExhausted)
    assert len(gets(fresh_emulator)) == 1
    assert fake_time.sleeps == []  # no point in waiting past the deadline


async def test_get_scan_result_budget_holds_with_slow_answers(
    fresh_emulator: Emulator, connect: Connect
) -> None:
    # Real time: each failing answer takes 0.15 s of a 0.4 s budget, so no
    # more than three attempts fit, and the last one runs out of time.
    fresh_emulator.faults.latency = 0.15
    fresh_emulator.faults.fail_next(code_pb2.UNAVAILABLE, times=10)
    retry = Retry(max_attempts=10, initial_backoff=0.01)
    client = connect(fresh_emulator, retry=retry, timeout=0.4)

    with pytest.raises(errors.DeadlineExceeded):
        await client.get(_an_id(fresh_emulator))

    assert 1 <= len(gets(fresh_emulator)) <= 3


def test_retry_defaults_are_documented() -> None:
    retry = Retry()
    assert (retry.max_attempts, retry.initial_backoff, retry.max_backoff) == (
        4,
        0.1,
        5.0,
    )
    assert (retry.multiplier, retry.jitter) == (2.0, 0.5)
    assert retry.codes == {code_pb2.UNAVAILABLE, code_pb2.RESOURCE_EXHAUSTED}
    doc = Retry.__doc__ or ""
    assert "4 times" in doc
    assert "0.1, 0.2 and 0.4 seconds" in doc
    for field in dataclasses.fields(Retry):
        assert f"{field.name}:" in doc, field.name


def test_retry_backoff_grows_caps_and_jitters() -> None:
    exact = Retry(initial_backoff=1.0, max_backoff=5.0, jitter=0.0)
    assert [exact.backoff(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    # With jitter 0.5, a draw of 0.999 takes nearly half of the wait off.
    jittered = dataclasses.replace(exact, jitter=0.5, random=lambda: 0.999)
    assert jittered.backoff(1) == pytest.approx(0.5005)
    unlucky = dataclasses.replace(exact, jitter=0.5, random=lambda: 0.0)
    assert unlucky.backoff(3) == 4.0


def test_retry_disabled_tries_once() -> None:
    retry = Retry.disabled()
    assert retry.max_attempts == 1
    assert retry.delay_after(errors.Unavailable("down"), 1) is None


def test_retry_delay_after_follows_the_error() -> None:
    retry = Retry(jitter=0.0)
    assert retry.delay_after(errors.Unavailable("down"), 1) == 0.1
    assert retry.delay_after(errors.Unavailable("down"), 4) is None  # 4 of 4
    assert retry.delay_after(errors.Internal("bug"), 1) is None
    gateway = errors.DeadlineExceeded("504 page", http_status=504, retryable=True)
    assert retry.delay_after(gateway, 1) == 0.1
    too_big = errors.ResourceExhausted("too large", retryable=False)
    assert retry.delay_after(too_big, 1) is None
    wait = errors.ResourceExhausted("quota", retry_after=7.0)
    assert retry.delay_after(wait, 1) == 7.0


def test_retry_equality_ignores_the_hooks() -> None:
    assert Retry(clock=lambda: 0.0, sleep=lambda _: None) == Retry()
    assert "clock" not in repr(Retry())


@pytest.mark.parametrize(
    ("options", "error", "fragment"),
    [
        ({"max_attempts": 0}, ValueError, "max_attempts must be at least 1"),
        ({"max_attempts": 2.5}, TypeError, "max_attempts must be an int"),
        ({"initial_backoff": -1}, ValueError, "initial_backoff"),
        ({"max_backoff": float("inf")}, ValueError, "max_backoff"),
        ({"multiplier": 0.5}, ValueError, "multiplier"),
        ({"jitter": 1.5}, ValueError, "jitter must be at most 1"),
        ({"jitter": "0.1"}, TypeError, "jitter must be a number"),
        ({"codes": {0}}, ValueError, "not a google.rpc.Code of an error"),
        ({"codes": {99}}, ValueError, "not a google.rpc.Code of an error"),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else "",
)
def test_retry_rejects_bad_settings(
    options: dict[str, object], error: type[Exception], fragment: str
) -> None:
    with pytest.raises(error, match=fragment):
        Retry(**options)  # type: ignore[arg-type]


def test_retry_accepts_codes_as_any_collection() -> None:
    retry = Retry(codes=[code_pb2.ABORTED])  # type: ignore[arg-type]
    assert retry.codes == frozenset({code_pb2.ABORTED})
