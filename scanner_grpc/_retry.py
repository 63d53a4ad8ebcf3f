"""The retry policy shared by every client and transport."""

from __future__ import annotations

import dataclasses
import math
import random as _random
import time
from collections.abc import Awaitable, Callable

from google.rpc import code_pb2

from scanner_grpc._errors import ScannerError

__all__ = ["Retry"]


async def _asyncio_sleep(delay: float) -> None:
    # asyncio is imported on first use so that a sync-only program never
    # pays for it.
    import asyncio

    await asyncio.sleep(delay)


def _check_number(name: str, value: float, *, least: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"Retry.{name} must be a number, not {type(value).__name__}")
    if not (math.isfinite(value) and value >= least):
        raise ValueError(
            f"Retry.{name} must be a finite number >= {least}, not {value}"
        )


@dataclasses.dataclass(frozen=True)
class Retry:
    """When and how often a failed call is tried again.

    One policy drives every client: gRPC and REST, sync and asyncio. A call
    is tried again when it fails with a code in ``codes`` (by default
    ``UNAVAILABLE``, which covers refused and reset connections, and
    ``RESOURCE_EXHAUSTED``), or when a gateway in front of the service
    answers HTTP 502, 503 or 504 with a page that is not a
    ``google.rpc.Status``. Every other failure is raised at once.

    Before attempt ``n + 1`` the client waits a jittered, exponentially
    growing delay: ``min(max_backoff, initial_backoff * multiplier ** (n -
    1))``, reduced by a random share of up to ``jitter`` of itself. When the
    service names a delay (``Retry-After``, or a ``google.rpc.RetryInfo``
    detail), the client waits at least that long.

    The call's ``timeout`` is the budget of the whole call, every attempt and
    every wait included. When the next wait would end past it, the client
    gives up at once with ``DeadlineExceeded``, whose ``__cause__`` is the
    last failure.

    With the defaults, a call is tried at most 4 times, after waits of about
    0.1, 0.2 and 0.4 seconds (each somewhere between half and all of that)::

        from scanner_grpc import Retry, ScannerClient

        # More patience for a batch job: 6 attempts, waits up to 10 s.
        client = ScannerClient(retry=Retry(max_attempts=6, max_backoff=10.0))

        # No retries at all; ``retry=None`` does the same.
        client = ScannerClient(retry=Retry.disabled())

    Args:
        max_attempts: The most times a call is tried, the first included;
            ``1`` switches retries off.
        initial_backoff: Seconds to wait before the first retry, before
            jitter.
        max_backoff: The most seconds to wait between two attempts, before
            jitter. A longer delay that the service asks for still wins.
        multiplier: Factor by which the wait grows after each retry.
        jitter: The largest share (0 to 1) of each wait that is randomly
            taken off, so that clients that failed together do not retry
            together. ``0`` makes the waits exact.
        codes: The ``google.rpc.Code`` values (ints from
            ``google.rpc.code_pb2``) whose failures are retried.
        clock: Monotonic clock, in seconds, that measures the call's budget.
        sleep: Waits between the attempts of the sync client.
        async_sleep: Waits between the attempts of the asyncio client.
        random: Returns a number in ``[0, 1)`` that draws the jitter.

    ``clock``, ``sleep``, ``async_sleep`` and ``random`` exist for tests and
    simulations; they take no part in equality or ``repr``.
    """

    max_attempts: int = 4
    initial_backoff: float = 0.1
    max_backoff: float = 5.0
    multiplier: float = 2.0
    jitter: float = 0.5
    codes: frozenset[int] = frozenset(
        {code_pb2.UNAVAILABLE, code_pb2.RESOURCE_EXHAUSTED}
    )
    clock: Callable[[], float] = dataclasses.field(
        default=time.monotonic, repr=False, compare=False
    )
    sleep: Callable[[float], None] = dataclasses.field(
        default=time.sleep, repr=False, compare=False
    )
    async_sleep: Callable[[float], Awaitable[None]] = dataclasses.field(
        default=_asyncio_sleep, repr=False, compare=False
    )
    random: Callable[[], float] = dataclasses.field(
        default=_random.random, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if isinstance(self.max_attempts, bool) or not isinstance(
            self.max_attempts, int
        ):
            raise TypeError(
                "Retry.max_attempts must be an int, "
                f"not {type(self.max_attempts).__name__}"
            )
        if self.max_attempts < 1:
            raise ValueError(
                f"Retry.max_attempts must be at least 1, not {self.max_attempts}"
            )
        _check_number("initial_backoff", self.initial_backoff, least=0.0)
        _check_number("max_backoff", self.max_backoff, least=0.0)
        _check_number("multiplier", self.multiplier, least=1.0)
        _check_number("jitter", self.jitter, least=0.0)
        if self.jitter > 1:
            raise ValueError(f"Retry.jitter must be at most 1, not {self.jitter}")
        # A set or list of codes is fine as input; the policy keeps it frozen.
        object.__setattr__(self, "codes", frozenset(self.codes))
        for code in self.codes:
            if code not in code_pb2.Code.values() or code == code_pb2.OK:
                raise ValueError(
                    f"Retry.codes holds {code!r}, which is not a google.rpc.Code "
                    "of an error"
                )

    @classmethod
    def disabled(cls) -> Retry:
        """A policy that tries every call once."""
        return cls(max_attempts=1)

    def backoff(self, retry_number: int) -> float:
        """The jittered wait before retry number ``retry_number`` (1 is the first)."""
        base = min(
            self.max_backoff,
            self.initial_backoff * self.multiplier ** (retry_number - 1),
        )
        return base * (1.0 - self.jitter * self.random())

    def delay_after(self, error: ScannerError, attempt: int) -> float | None:
        """How long to wait before trying again after ``error``.

        Args:
            error: The failure of attempt number ``attempt``.
            attempt: The number of the attempt that failed, 1 for the first.

        Returns:
            The seconds to wait, or ``None`` when the call must not be tried
            again: the failure is not retryable, or no attempt is left.
        """
        if attempt >= self.max_attempts:
            return None
        retryable = error._retryable
        if retryable is None:
            retryable = error.code in self.codes
        if not retryable:
            return None
        delay = self.backoff(attempt)
        if error.retry_after is not None:
            delay = max(delay, error.retry_after)
        return delay
