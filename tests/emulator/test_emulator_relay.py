"""The relay's view of HTTP/2 frame boundaries, which a GOAWAY must respect."""

from __future__ import annotations

import struct

from scanner_grpc.emulator._relay import _FrameCursor


def _frame(payload: bytes, kind: int = 0) -> bytes:
    return (
        struct.pack(">I", len(payload))[1:] + bytes([kind, 0]) + b"\0\0\0\1" + payload
    )


def test_relay_cursor_finds_the_last_frame_end_in_a_chunk() -> None:
    cursor = _FrameCursor()
    data = _frame(b"abc") + _frame(b"") + _frame(b"defgh")[:5]

    last = cursor.advance(data)

    assert last == len(_frame(b"abc") + _frame(b""))
    assert not cursor.at_boundary


def test_relay_cursor_follows_frames_split_across_chunks() -> None:
    cursor = _FrameCursor()
    stream = _frame(b"x" * 20) + _frame(b"y")
    ends = []

    for index in range(0, len(stream), 4):
        ends.append(cursor.advance(stream[index : index + 4]))

    assert cursor.at_boundary
    # The frames end 29 and 39 bytes in: 1 byte into the 8th chunk, 3 into the 10th.
    assert [end for end in ends if end is not None] == [1, 3]


def test_relay_cursor_starts_at_a_boundary() -> None:
    cursor = _FrameCursor()

    assert cursor.at_boundary
    assert cursor.advance(b"") is None
