"""``scanner_grpc._loopback``: which hosts count as this machine."""

from __future__ import annotations

import pytest

from scanner_grpc._loopback import is_loopback_host


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "LOCALHOST",
        " localhost ",
        "api.localhost",  # *.localhost never leaves the machine (RFC 6761)
        "127.0.0.1",
        "127.0.0.2",
        "127.255.255.254",  # the whole of 127.0.0.0/8
        "::1",
        "[::1]",  # as it appears in a URL
        "0:0:0:0:0:0:0:1",
    ],
)
def test_loopback_hosts_that_are_this_machine(host: str) -> None:
    assert is_loopback_host(host) is True


@pytest.mark.parametrize(
    "host",
    [
        "169.254.169.254",  # the metadata service: never in clear
        "10.0.0.1",
        "192.168.1.1",
        "0.0.0.0",  # binds everywhere; as a destination it is not loopback
        "::",
        "128.0.0.1",
        "example.com",
        "localhost.example.com",  # a real domain that merely starts so
        "127.0.0.1.nip.io",  # resolves to loopback today, not a promise
        "container-registry.api.cloud.yandex.net",
        "",
        "127.0.0.1:8080",  # a host with a port is not a host
        "2130706433",  # integer and short forms that some resolvers accept
        "127.1",
    ],
)
def test_loopback_hosts_that_are_not(host: str) -> None:
    assert is_loopback_host(host) is False
