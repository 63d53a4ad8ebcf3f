"""Filters, orderings and page tokens of the emulator's List methods."""

from __future__ import annotations

import pytest

from scanner_grpc.emulator._queries import (
    DEFAULT_PAGE_SIZE,
    FilterField,
    order,
    page,
    select,
)
from scanner_grpc.emulator._status import RpcFailure

ITEMS = [
    {"name": 'say "hi"', "rank": 2},
    {"name": "plain", "rank": 1},
    {"name": "back\\slash", "rank": 3},
]
FIELDS = {
    "name": FilterField(lambda item: item["name"], str),
    "rank": FilterField(lambda item: item["rank"], int),
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ['say "hi"', "plain", "back\\slash"]),
        ('name="say \\"hi\\""', ['say "hi"']),
        ('name="back\\\\slash"', ["back\\slash"]),
        ("name=plain", ["plain"]),
        ("  rank = 1  ", ["plain"]),
        ('rank=2 AND name="say \\"hi\\""', ['say "hi"']),
        ("rank=2 AND name=plain", []),
    ],
)
def test_queries_select_matches_equality_terms(text: str, expected: list[str]) -> None:
    assert [item["name"] for item in select(ITEMS, text, FIELDS)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "rank=x",  # the parser refuses the value
        "rank=1 and name=plain",  # AND is upper case
        "rank=1 name=plain",  # no AND
        "size=1",  # not a filterable field
        'name="open',  # unterminated quote
        "=1",  # no field
    ],
)
def test_queries_select_refuses_malformed_filters(text: str) -> None:
    with pytest.raises(RpcFailure, match="filter is malformed"):
        select(ITEMS, text, FIELDS)


def test_queries_order_is_stable_in_both_directions() -> None:
    keys = {"rank": lambda item: item["rank"] % 2}

    ascending = order(ITEMS, "rank", keys)
    descending = order(ITEMS, "rank DESC", keys)

    assert [item["rank"] for item in ascending] == [2, 1, 3]
    assert [item["rank"] for item in descending] == [1, 3, 2]


@pytest.mark.parametrize("text", ["name", "rank sideways", "rank asc extra"])
def test_queries_order_refuses_unsupported_orderings(text: str) -> None:
    with pytest.raises(RpcFailure, match="order_by"):
        order(ITEMS, text, {"rank": lambda item: item["rank"]})


def test_queries_pages_cover_every_item_once() -> None:
    items = list(range(7))
    seen: list[int] = []
    token = ""
    for _ in range(10):
        shown, token = page(items, page_size=3, page_token=token, query=("q",))
        seen.extend(shown)
        if not token:
            break

    assert seen == items


def test_queries_page_size_zero_means_the_default() -> None:
    shown, token = page(list(range(250)), page_size=0, page_token="", query=())

    assert len(shown) == DEFAULT_PAGE_SIZE
    assert token


@pytest.mark.parametrize(
    "token",
    [
        "not base64!",
        "djI6MTpmZg",  # base64 of another format
        "djE6LTE6ZmY",  # a negative offset
    ],
)
def test_queries_page_refuses_foreign_tokens(token: str) -> None:
    with pytest.raises(RpcFailure, match="page_token"):
        page([1, 2, 3], page_size=1, page_token=token, query=("q",))


def test_queries_page_token_is_bound_to_its_query() -> None:
    _, token = page([1, 2, 3], page_size=1, page_token="", query=("a",))

    with pytest.raises(RpcFailure, match="different query"):
        page([1, 2, 3], page_size=1, page_token=token, query=("b",))
