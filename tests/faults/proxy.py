"""A small TCP proxy in front of PostgreSQL that a test can switch to refusing connections.

`refuse()` closes the listening socket (a new connection gets ECONNREFUSED, as when the
server is down) and cuts every open connection (the client sees the server close it);
`accept()` listens on the same port again. Each open connection is two threads, one per
direction, so neither direction can hold up the other.
"""

import socket
import threading
import time

HOST = "127.0.0.1"


class TcpProxy:
    def __init__(self, target_port: int, target_host: str = HOST, port: int = 0):
        self.target = (target_host, target_port)
        self.port = port
        self._listener: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.accepted = 0
        self.cut_count = 0

    # --- switching ---------------------------------------------------------------------

    def start(self) -> "TcpProxy":
        self.accept()
        return self

    @property
    def refusing(self) -> bool:
        return self._listener is None

    def accept(self) -> None:
        """Listen (again) on the proxy's port."""
        if self._listener is not None:
            return
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        for attempt in range(50):  # the port was ours a moment ago; retry a busy bind
            try:
                listener.bind((HOST, self.port))
                break
            except OSError:
                if attempt == 49:
                    listener.close()
                    raise
                time.sleep(0.1)
        listener.listen(128)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept_loop, args=(listener,), daemon=True,
                         name=f"proxy-accept-{self.port}").start()

    def refuse(self) -> int:
        """Stop listening and cut every open connection; returns how many were cut."""
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        return self.cut()

    def cut(self) -> int:
        """Close every open connection (both ends), as a server restart would."""
        with self._lock:
            conns, self._conns = list(self._conns), set()
        for sock in conns:
            _close(sock)
        self.cut_count += len(conns) // 2
        return len(conns) // 2

    def stop(self) -> None:
        self.refuse()

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._conns) // 2

    # --- forwarding ----------------------------------------------------------------------

    def _accept_loop(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by refuse()
            if self._listener is not listener:  # refused meanwhile
                _close(client)
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._conns.update((client, upstream))
            self.accepted += 1
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True,
                                 name="proxy-pump").start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._conns.discard(src)
                self._conns.discard(dst)
            _close(src)
            _close(dst)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
