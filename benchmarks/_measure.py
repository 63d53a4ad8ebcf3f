"""Timing: segments of calls, rounds that alternate the two sides, statistics.

A pair's two sides are measured in rounds. Each round times one segment of
each side, the side that goes first swapping every round, so that a drift of
the machine (another process waking up, a CPU clocking down) falls on both
sides alike. The ratio of a pair is the median, over the rounds, of the
facade's throughput divided by the raw side's in the same round.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence

__all__ = [
    "AsyncCall",
    "PairResult",
    "Segment",
    "SideResult",
    "SyncCall",
    "measure_async_pair",
    "measure_sync_pair",
    "percentile",
]

SyncCall = Callable[[], object]
AsyncCall = Callable[[], Awaitable[object]]

_clock = time.perf_counter_ns
_cpu_clock = time.process_time_ns


@dataclasses.dataclass(frozen=True)
class Segment:
    """One side's calls in one round: how long they took, each and together."""

    calls: int
    elapsed_ns: int
    cpu_ns: int
    """CPU time of the whole benchmark process, gRPC's own threads included."""
    latencies_ns: list[int]

    @property
    def calls_per_second(self) -> float:
        """The segment's throughput."""
        return self.calls * 1e9 / self.elapsed_ns

    @property
    def cpu_us_per_call(self) -> float:
        """The client's CPU time per call, in microseconds."""
        return self.cpu_ns / self.calls / 1e3


@dataclasses.dataclass(frozen=True)
class SideResult:
    """One side of a pair over all rounds."""

    label: str
    segments: list[Segment]

    @property
    def calls_per_second(self) -> float:
        """The median over the rounds of the throughput of a round."""
        return statistics.median(s.calls_per_second for s in self.segments)

    @property
    def cpu_us_per_call(self) -> float:
        """The median over the rounds of the client's CPU time per call."""
        return statistics.median(s.cpu_us_per_call for s in self.segments)

    def latency_ms(self, share: float) -> float:
        """A percentile of the latency of every call of every round, in ms."""
        pooled = [n for s in self.segments for n in s.latencies_ns]
        return percentile(pooled, share) / 1e6

    def as_json(self) -> dict[str, object]:
        """The side's figures for the JSON report."""
        return {
            "label": self.label,
            "calls": sum(s.calls for s in self.segments),
            "calls_per_s": round(self.calls_per_second, 1),
            "p50_ms": round(self.latency_ms(0.50), 3),
            "p99_ms": round(self.latency_ms(0.99), 3),
            "cpu_us_per_call": round(self.cpu_us_per_call, 1),
            "calls_per_s_by_round": [
                round(s.calls_per_second, 1) for s in self.segments
            ],
        }


@dataclasses.dataclass(frozen=True)
class PairResult:
    """Both sides of a pair, round by round."""

    facade: SideResult
    raw: SideResult

    @property
    def ratios(self) -> list[float]:
        """Facade throughput over raw throughput, round by round."""
        return [
            f.calls_per_second / r.calls_per_second
            for f, r in zip(self.facade.segments, self.raw.segments, strict=True)
        ]

    @property
    def ratio(self) -> float:
        """The median of ``ratios``."""
        return statistics.median(self.ratios)


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with ``share`` at or below."""
    if not values:
        raise ValueError("no values to take a percentile of")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def _sync_segment(call: SyncCall, calls: int) -> Segment:
    latencies = [0] * calls
    clock = _clock
    # A collection left over from the previous segment would land in this one.
    gc.collect()
    cpu_started = _cpu_clock()
    started = clock()
    for index in range(calls):
        before = clock()
        call()
        latencies[index] = clock() - before
    elapsed = clock() - started
    return Segment(calls, elapsed, _cpu_clock() - cpu_started, latencies)


def measure_sync_pair(
    *,
    facade: tuple[str, SyncCall],
    raw: tuple[str, SyncCall],
    rounds: int,
    calls: int,
    warmup: int,
) -> PairResult:
    """Warms both sides up, then times them in alternating rounds.

    Args:
        facade: The facade side's label and its call.
        raw: The raw side's label and its call.
        rounds: Rounds; the side that goes first swaps every round.
        calls: Calls per side and round.
        warmup: Untimed calls per side first, to connect and fill caches.
    """
    for _, call in (facade, raw):
        for _ in range(warmup):
            call()
    facade_segments: list[Segment] = []
    raw_segments: list[Segment] = []
    for round_index in range(rounds):
        order = [(facade, facade_segments), (raw, raw_segments)]
        if round_index % 2:
            order.reverse()
        for (_, call), segments in order:
            segments.append(_sync_segment(call, calls))
    return PairResult(
        SideResult(facade[0], facade_segments), SideResult(raw[0], raw_segments)
    )


async def _async_segment(call: AsyncCall, calls: int, in_flight: int) -> Segment:
    latencies: list[int] = []
    clock = _clock
    left = calls

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            before = clock()
            await call()
            latencies.append(clock() - before)

    gc.collect()
    cpu_started = _cpu_clock()
    started = clock()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    elapsed = clock() - started
    return Segment(calls, elapsed, _cpu_clock() - cpu_started, latencies)


async def measure_async_pair(
    *,
    facade: tuple[str, AsyncCall],
    raw: tuple[str, AsyncCall],
    rounds: int,
    calls: int,
    warmup: int,
    in_flight: int,
) -> PairResult:
    """``measure_sync_pair`` for coroutines, ``in_flight`` calls at a time.

    The warm-up runs at the same concurrency, so that every connection the
    timed calls need is open before they start.
    """
    for _, call in (facade, raw):
        await _async_segment(call, max(warmup, in_flight), in_flight)
    facade_segments: list[Segment] = []
    raw_segments: list[Segment] = []
    for round_index in range(rounds):
        order = [(facade, facade_segments), (raw, raw_segments)]
        if round_index % 2:
            order.reverse()
        for (_, call), segments in order:
            segments.append(await _async_segment(call, calls, in_flight))
    return PairResult(
        SideResult(facade[0], facade_segments), SideResult(raw[0], raw_segments)
    )
