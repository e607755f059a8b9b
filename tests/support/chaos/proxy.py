"""A TCP proxy between Kawal's processes and RabbitMQ, to cut the network to the broker and restore it."""
from __future__ import annotations

import socket
import threading


class BrokerProxy:
    """Listens on a free port and forwards to the broker. cut() resets every connection and refuses new ones (as a
    dead link or a broker fail-over looks to a client) until restore()."""

    def __init__(self, upstream: tuple[str, int] = ("127.0.0.1", 5672)):
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.is_cut = threading.Event()
        self.closing = threading.Event()
        self.lock = threading.Lock()
        self.open: set[socket.socket] = set()
        self.accepted = 0
        threading.Thread(target=self._accept, name="broker-proxy", daemon=True).start()

    def _accept(self) -> None:
        while not self.closing.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.is_cut.is_set():
                _reset(client)
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                _reset(client)
                continue
            with self.lock:
                self.open.update((client, server))
                self.accepted += 1
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                _reset(sock)
                with self.lock:
                    self.open.discard(sock)

    def cut(self) -> int:
        """Reset every open connection and refuse new ones; returns how many connections were cut."""
        self.is_cut.set()
        with self.lock:
            victims = list(self.open)
        for sock in victims:
            _reset(sock)
        return len(victims) // 2

    def restore(self) -> None:
        self.is_cut.clear()

    def close(self) -> None:
        self.closing.set()
        self.cut()
        self.listener.close()


def _reset(sock: socket.socket) -> None:
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST, not FIN
    except OSError:
        pass
    try:
        sock.shutdown(socket.SHUT_RDWR)  # wakes the pump thread blocked in recv on it
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
