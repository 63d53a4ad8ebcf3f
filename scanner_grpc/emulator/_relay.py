"""A loopback TCP relay in front of the gRPC server, which can cut connections.

grpcio offers a servicer no way to break the connection that carries a call.
The emulator's gRPC address is therefore this relay, which copies bytes both
ways between each client connection and the real server. The servicer knows
its call's peer address, which is the local address of the relay's upstream
socket; ``cut`` finds that connection pair and ends it in the middle of the
call.

A bare close races in the client: grpcio may put the next call on the dying
connection before it notices the close, and that call fails too. So the
relay ends a connection as a proxy that shuts down does: an HTTP/2 GOAWAY
frame (NO_ERROR, every stream possibly processed, so nothing is retried
transparently), then the close. The client stops using the connection at
once and the call in flight fails with UNAVAILABLE. The frame goes in at a
frame boundary of the server's byte stream, which the relay follows.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import struct
import threading

__all__ = ["Relay"]

_LOGGER = logging.getLogger(__name__)
_CHUNK = 256 * 1024
_FRAME_HEADER = 9
# GOAWAY: length 8, type 7, no flags, stream 0; last stream id 2^31-1, NO_ERROR.
_GOAWAY = struct.pack(">I", 8)[1:] + struct.pack(">BBIII", 7, 0, 0, 2**31 - 1, 0)


class _FrameCursor:
    """Where a server's HTTP/2 byte stream stands among its frames."""

    def __init__(self) -> None:
        self._header = bytearray()
        self._remaining = 0

    @property
    def at_boundary(self) -> bool:
        """Whether the bytes so far end with a whole frame."""
        return self._remaining == 0 and not self._header

    def advance(self, data: bytes) -> int | None:
        """Moves past ``data``; returns the offset after the last frame ending in it."""
        last: int | None = None
        index, size = 0, len(data)
        while index < size:
            if self._remaining:
                step = min(self._remaining, size - index)
                index += step
                self._remaining -= step
                if not self._remaining:
                    last = index
                continue
            taken = data[index : index + _FRAME_HEADER - len(self._header)]
            self._header += taken
            index += len(taken)
            if len(self._header) == _FRAME_HEADER:
                self._remaining = int.from_bytes(self._header[:3], "big")
                self._header.clear()
                if not self._remaining:
                    last = index
        return last


class _Pair:
    """One client connection and its upstream connection."""

    def __init__(self, client: socket.socket, upstream: socket.socket) -> None:
        self.client = client
        self.upstream = upstream
        self.upstream_port: int = upstream.getsockname()[1]
        # Held while bytes go to the client, so a GOAWAY never splits a frame.
        self.lock = threading.Lock()
        self.cursor = _FrameCursor()
        self.cut_requested = False

    def cut(self) -> None:
        """Ends the connection now if at a frame boundary, else at the next one."""
        with self.lock:
            if self.cursor.at_boundary:
                self.say_goodbye()
            else:
                self.cut_requested = True

    def forward_to_client(self, data: bytes) -> None:
        """Sends the server's ``data`` on, ending the connection if a cut waits."""
        with self.lock:
            boundary = self.cursor.advance(data)
            if self.cut_requested and (boundary is not None):
                self.client.sendall(data[:boundary])
                self.say_goodbye()
            else:
                self.client.sendall(data)

    def say_goodbye(self) -> None:
        """GOAWAY to the client, then both connections shut (caller holds lock)."""
        with contextlib.suppress(OSError):
            self.client.sendall(_GOAWAY)
        self.shut()

    def shut(self) -> None:
        for sock in (self.client, self.upstream):
            # It may be closed already by the other side.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class Relay:
    """Listens on ``listen`` and relays every connection to ``upstream``.

    Args:
        family: ``socket.AF_INET`` or ``socket.AF_INET6``.
        listen: The address to listen on; port 0 picks a free one.
        upstream: The gRPC server's address.
    """

    def __init__(
        self,
        *,
        family: socket.AddressFamily,
        listen: tuple[str, int],
        upstream: tuple[str, int],
    ) -> None:
        self._family = family
        self._upstream = upstream
        self._lock = threading.Lock()
        self._pairs: dict[int, _Pair] = {}
        self._threads: set[threading.Thread] = set()
        self._stopping = False
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            self._listener.bind(listen)
            self._listener.listen(128)
        except OSError:
            self._listener.close()
            raise
        self.port: int = self._listener.getsockname()[1]
        # Closing a listening socket does not wake a blocked accept()
        # everywhere; a socket pair in the same select() does.
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._acceptor = threading.Thread(
            target=self._accept_loop, name=f"emulator-relay-{self.port}", daemon=True
        )

    def start(self) -> None:
        """Starts accepting connections."""
        self._acceptor.start()

    def cut(self, peer: str) -> bool:
        """Cuts the connection whose upstream socket is the gRPC ``peer``.

        Args:
            peer: ``ServicerContext.peer()``, such as ``"ipv4:127.0.0.1:43121"``.

        Returns:
            Whether a connection was found and cut.
        """
        _, _, port = peer.rpartition(":")
        with self._lock:
            pair = self._pairs.get(int(port)) if port.isdigit() else None
        if pair is None:
            return False
        _LOGGER.debug("cutting the relayed connection of %s", peer)
        pair.cut()
        return True

    def stop(self) -> None:
        """Stops accepting, cuts every connection and waits for the threads."""
        with self._lock:
            self._stopping = True
            pairs = list(self._pairs.values())
        self._wake_writer.send(b"x")
        if self._acceptor.ident is not None:
            self._acceptor.join()
        for pair in pairs:
            pair.shut()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join()
        for sock in (self._listener, self._wake_reader, self._wake_writer):
            sock.close()

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while True:
                ready = {key.fileobj for key, _ in selector.select()}
                if self._wake_reader in ready:
                    return
                try:
                    client, _ = self._listener.accept()
                except OSError:
                    continue
                self._open(client)

    def _open(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self._upstream)
        except OSError as error:
            _LOGGER.debug("relay cannot reach the gRPC server: %s", error)
            client.close()
            return
        for sock in (client, upstream):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pair = _Pair(client, upstream)
        thread = threading.Thread(
            target=self._pump, args=(pair,), name="emulator-relay-pump", daemon=True
        )
        with self._lock:
            if self._stopping:
                client.close()
                upstream.close()
                return
            self._pairs[pair.upstream_port] = pair
            self._threads.add(thread)
        thread.start()

    def _pump(self, pair: _Pair) -> None:
        try:
            self._copy_both_ways(pair)
        except OSError as error:
            _LOGGER.debug("relayed connection ended: %s", error)
        finally:
            with self._lock:
                self._pairs.pop(pair.upstream_port, None)
                self._threads.discard(threading.current_thread())
            pair.client.close()
            pair.upstream.close()

    @staticmethod
    def _copy_both_ways(pair: _Pair) -> None:
        other = {pair.client: pair.upstream, pair.upstream: pair.client}
        with selectors.DefaultSelector() as selector:
            for sock in other:
                selector.register(sock, selectors.EVENT_READ)
            open_sides = 2
            while open_sides:
                for key, _ in selector.select():
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    data = source.recv(_CHUNK)
                    if data and source is pair.upstream:
                        pair.forward_to_client(data)
                        continue
                    if data:
                        pair.upstream.sendall(data)
                        continue
                    # End of stream: pass the half-close on, stop reading here.
                    selector.unregister(source)
                    open_sides -= 1
                    try:
                        other[source].shutdown(socket.SHUT_WR)
                    except OSError:
                        return
