"""No id can change the REST path: the service receives exactly the id."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from client_helpers import Connect, gets

from scanner_grpc import errors
from scanner_grpc.emulator import Emulator

# Ids that a naive URL join would turn into another path, query or fragment.
PATH_BREAKERS = [
    "../x",
    "../../iam/v1/tokens",
    "a/b",
    "?",
    "a?b=c",
    "#",
    "a#b",
    "%2F",
    "%2e%2e",
    "%",
    ".",
    "..",
    "a b",
    "a;b",
    "a:listVulnerabilities",
    "x+y",
    "ünïcødé",
    "日本語",
    "🦀",
    "\\",
]


@pytest.fixture(scope="module")
def odd_emulator() -> Iterator[Emulator]:
    """An emulator whose scan results carry the ids above."""
    data = {
        "scanResults": [
            {
                "id": scan_result_id,
                "imageId": f"crpimage{index:012d}",
                "status": "READY",
            }
            for index, scan_result_id in enumerate(PATH_BREAKERS)
        ]
    }
    with Emulator(data=data) as running:
        yield running


@pytest.mark.parametrize("scan_result_id", PATH_BREAKERS, ids=repr)
async def test_get_scan_result_sends_the_id_unchanged(
    odd_emulator: Emulator, connect: Connect, scan_result_id: str
) -> None:
    result = await connect(odd_emulator).get(scan_result_id)

    # The service looked up exactly this id, through ScannerService.Get.
    assert result.id == scan_result_id
    assert gets(odd_emulator)[-1].code == 0


@pytest.mark.parametrize("scan_result_id", ["../x", "a/b", "%2F", ".."], ids=repr)
async def test_get_scan_result_does_not_find_ids_it_lacks(
    emulator: Emulator, connect: Connect, scan_result_id: str
) -> None:
    with pytest.raises(errors.NotFound) as caught:
        await connect(emulator).get(scan_result_id)
    # The service quotes the id it looked for.
    assert repr(scan_result_id) in caught.value.message
