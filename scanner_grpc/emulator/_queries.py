"""Filters, orderings and pages of the emulator's List methods.

A filter is one or more terms joined by ``AND``; a term is
``field="value"`` (spaces around ``=`` allowed, the quotes optional for a
value without spaces; ``\\"`` and ``\\\\`` escape inside quotes). An ordering
is ``field`` or ``field asc`` or ``field desc``. Each method says which
fields it accepts. A page token is opaque to the client: it holds the offset
of the page and a fingerprint of the query, so a token is refused when it is
used with another filter, ordering or parent than the one it came from.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from scanner_grpc.emulator._status import invalid_argument

__all__ = ["DEFAULT_PAGE_SIZE", "FilterField", "order", "page", "select"]

_T = TypeVar("_T")

DEFAULT_PAGE_SIZE = 100
"""The page size that a ``page_size`` of 0 stands for, as the protos document."""

_TERM = re.compile(
    r"""\s*(?P<field>[A-Za-z_][A-Za-z0-9_.]*)\s*=\s*
        (?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<bare>[^\s"=]+))\s*""",
    re.VERBOSE,
)
_AND = re.compile(r"AND\s", re.ASCII)
_ESCAPE = re.compile(r"\\(.)")
_CURSOR_FORMAT = "v1"


@dataclass(frozen=True)
class FilterField(Generic[_T]):
    """A field that a filter may test for equality.

    Attributes:
        value_of: Reads the field from an item.
        parse: Turns the filter's text into a value comparable with
            ``value_of``'s; raises ``ValueError`` with a message naming the
            accepted values.
    """

    value_of: Callable[[_T], object]
    parse: Callable[[str], object]


def select(
    items: Sequence[_T], text: str, fields: Mapping[str, FilterField[_T]]
) -> list[_T]:
    """The items that match the filter ``text``; all of them when it is empty."""
    tests: list[tuple[FilterField[_T], object]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        if tests:
            joined = _AND.match(text, position)
            if joined is None:
                raise _bad_filter(
                    f"expected AND between terms at character {position + 1}"
                )
            position = joined.end()
        term = _TERM.match(text, position)
        if term is None:
            raise _bad_filter(f'expected field="value" at character {position + 1}')
        name = term["field"]
        if name not in fields:
            raise _bad_filter(
                f"cannot filter on {name!r}; filter on "
                + " or ".join(repr(known) for known in fields)
            )
        quoted = term["quoted"]
        raw = _ESCAPE.sub(r"\1", quoted) if quoted is not None else term["bare"]
        try:
            value = fields[name].parse(raw)
        except ValueError as error:
            raise _bad_filter(f"{name}: {error}") from None
        tests.append((fields[name], value))
        position = term.end()
    return [
        item
        for item in items
        if all(field.value_of(item) == value for field, value in tests)
    ]


def order(
    items: Sequence[_T], text: str, keys: Mapping[str, Callable[[_T], int]]
) -> list[_T]:
    """``items`` ordered by ``text`` (``field [asc|desc]``); as given when empty.

    The sort is stable: items with equal keys keep their order.
    """
    words = text.split()
    if not words:
        return list(items)
    direction = words[1].lower() if len(words) == 2 else "asc"
    if len(words) > 2 or words[0] not in keys or direction not in ("asc", "desc"):
        raise invalid_argument(
            f"order_by {text!r} is not supported; use "
            + " or ".join(f"'{key} [asc|desc]'" for key in keys),
            [("order_by", "unsupported ordering")],
        )
    return sorted(items, key=keys[words[0]], reverse=direction == "desc")


def page(
    items: Sequence[_T], *, page_size: int, page_token: str, query: Sequence[str]
) -> tuple[list[_T], str]:
    """One page of ``items`` and the token of the next page ("" on the last one).

    Args:
        items: The filtered and ordered items.
        page_size: The request's page size; 0 stands for the default.
        page_token: The request's page token; "" for the first page.
        query: Whatever else shapes ``items`` (method, parent, filter,
            ordering); a token only fits the query it was made for.
    """
    fingerprint = hashlib.sha256("\0".join(query).encode("utf-8")).hexdigest()[:16]
    offset = _offset(page_token, fingerprint) if page_token else 0
    size = page_size or DEFAULT_PAGE_SIZE
    end = offset + size
    next_token = _token(end, fingerprint) if end < len(items) else ""
    return list(items[offset:end]), next_token


def _token(offset: int, fingerprint: str) -> str:
    raw = f"{_CURSOR_FORMAT}:{offset}:{fingerprint}".encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _offset(token: str, fingerprint: str) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
        prefix, offset, made_for = raw.split(":")
        value = int(offset)
    except (ValueError, UnicodeError, binascii.Error):
        prefix, value, made_for = "", -1, ""
    if prefix != _CURSOR_FORMAT or value < 0:
        raise invalid_argument(
            "page_token is not a token that this service issued",
            [("page_token", "not a next_page_token of this service")],
        )
    if made_for != fingerprint:
        raise invalid_argument(
            "page_token belongs to a different query; keep the filter, the "
            "ordering and the parent of the first page",
            [("page_token", "made for a different query")],
        )
    return value


def _bad_filter(reason: str) -> Exception:
    return invalid_argument(f"filter is malformed: {reason}", [("filter", reason)])
