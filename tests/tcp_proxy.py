"""A TCP proxy for tests that can cut every connection through it for a while (a network outage)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress


class OutageProxy:
    """Forwards 127.0.0.1:port to a target; outage(seconds) drops and refuses connections."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down_until = 0.0
        self.dropped = 0
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def outage(self, seconds: float) -> None:
        """Cut every open connection now, and refuse new ones for `seconds`."""
        with self._lock:
            self.down_until = time.monotonic() + seconds
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            self.dropped += 1
            _close(sock)

    def close(self) -> None:
        self._closed = True
        _close(self.listener)
        self.outage(0)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if time.monotonic() < self.down_until:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _close(source)
            _close(sink)


def _close(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@contextmanager
def outage_proxy(target: tuple[str, int]) -> Iterator[OutageProxy]:
    proxy = OutageProxy(target)
    try:
        yield proxy
    finally:
        proxy.close()
