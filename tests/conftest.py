"""Fixtures shared by every test directory: running emulators.

``emulator`` is one emulator for the whole session, serving the bundled
sample data with auth off; tests must not give it faults, turn its auth on
or depend on its ``requests`` being empty. ``fresh_emulator`` is a new one
for each test, for faults, auth and request counting.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scanner_grpc.emulator import Emulator


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """An emulator shared by the session: sample data, auth off, no faults."""
    with Emulator() as running:
        yield running


@pytest.fixture
def fresh_emulator() -> Iterator[Emulator]:
    """An emulator of this test's own: sample data, auth off, no faults yet."""
    with Emulator() as running:
        yield running
