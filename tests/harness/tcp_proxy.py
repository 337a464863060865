"""A TCP proxy that can fail the way networks in front of a database fail.

Put it between deskbot and PostgreSQL (`proxy.url_for(database_url)`) and
switch it, at any moment, between:

- `pass_through()`: relays both ways (the default);
- `refuse()`: the port is closed (connect fails with "connection refused") and
  relayed connections are closed, as when the server is down;
- `partition()`: connections are accepted but nothing crosses in either
  direction, as when a link or a middlebox stops forwarding. Bytes sent
  meanwhile wait in the proxy's socket buffers; `pass_through()` heals the
  network: they are forwarded and relaying resumes;
- `half_open()`: the connections relayed so far are abandoned without a FIN
  or RST to either side, while new ones relay normally, as when a NAT or a
  firewall loses its state. A PostgreSQL backend on such a connection keeps
  whatever it held (an advisory lock, say) until `reset_abandoned()`.

The client's kernel talks only to the proxy's kernel, which stays up and
acknowledges every segment and every TCP keepalive probe. A silent
connection through this proxy is therefore not found by keepalives (or by
`tcp_user_timeout`): only the application's own timeouts find it. That is
deliberate, and the hardest case: what a peer sees when the path beyond the
first hop stops forwarding while the first hop stays polite.

All sockets live on one thread running a poll loop, so a mode switch never
races a relay: each switch is handed to that thread and returns once it has
taken effect.
"""

from __future__ import annotations

import select
import socket
import struct
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy.engine import make_url

CHUNK = 64 * 1024
# A direction stops reading once this much waits to be written, so a slow reader slows its writer.
BUFFER_LIMIT = 1024 * 1024
CONNECT_TIMEOUT_SECONDS = 2.0
SWITCH_TIMEOUT_SECONDS = 5.0
IDLE_POLL_MS = 200


class Mode(StrEnum):
    PASS_THROUGH = "pass_through"
    REFUSE = "refuse"
    PARTITION = "partition"


@dataclass
class _Link:
    """One relayed connection: the client's socket, the target's, and what waits to cross each way."""

    client: socket.socket
    server: socket.socket | None = None  # opened when relaying first starts (an accept in a partition waits)
    to_server: bytearray = field(default_factory=bytearray)
    to_client: bytearray = field(default_factory=bytearray)

    def sockets(self) -> list[socket.socket]:
        return [self.client] + ([self.server] if self.server is not None else [])


@dataclass
class _Command:
    """A mode switch handed to the relay thread; `done` is set once it took effect (or failed with `error`)."""

    change: Callable[[], None]
    done: threading.Event = field(default_factory=threading.Event)
    error: OSError | None = None


class TcpProxy:
    """`with TcpProxy(host, port) as proxy:` then connect to 127.0.0.1:`proxy.port` (see the module docstring)."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._mode = Mode.PASS_THROUGH
        self._listener: socket.socket | None = _listen(0)
        self.port: int = self._listener.getsockname()[1]
        self._links: list[_Link] = []
        self._abandoned: list[_Link] = []
        self._commands: deque[_Command] = deque()
        self._wake_read, self._wake_write = socket.socketpair()
        self._wake_read.setblocking(False)
        self._wake_write.setblocking(False)
        self._closing = False
        self._thread = threading.Thread(target=self._loop, name=f"tcp-proxy-{self.port}", daemon=True)
        self._thread.start()

    # -- lifecycle ---------------------------------------------------------
    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop relaying and close every socket, abandoned ones included (idempotent)."""
        if self._closing:
            return
        self._closing = True
        self._wake()
        self._thread.join(timeout=SWITCH_TIMEOUT_SECONDS)
        self._wake_write.close()

    def url_for(self, database_url: str) -> str:
        """`database_url` with its host and port replaced by the proxy's."""
        url = make_url(database_url).set(host="127.0.0.1", port=self.port)
        return url.render_as_string(hide_password=False)

    # -- modes -------------------------------------------------------------
    @property
    def mode(self) -> Mode:
        return self._mode

    @property
    def connections(self) -> int:
        """Connections currently relayed or held in a partition (abandoned ones not counted)."""
        return len(self._links)

    @property
    def abandoned(self) -> int:
        return len(self._abandoned)

    def pass_through(self) -> None:
        """Relay both ways; after a partition, what was held is forwarded and old connections go on."""
        self._switch(self._do_pass_through)

    def refuse(self) -> None:
        """Close the port (connects are refused) and close every relayed connection, as a stopped server does."""
        self._switch(self._do_refuse)

    def partition(self) -> None:
        """Accept connections but forward nothing either way, on new and existing connections alike."""
        self._switch(self._do_partition)

    def half_open(self) -> None:
        """Abandon the connections relayed so far, without a word to either side; new ones relay normally."""
        self._switch(self._do_half_open)

    def reset_abandoned(self) -> None:
        """Reset (RST) both sides of every abandoned connection, as the peers' own timeouts eventually would."""
        self._switch(self._do_reset_abandoned)

    def _switch(self, change: Callable[[], None]) -> None:
        if self._closing:
            raise RuntimeError("the proxy is closed")
        command = _Command(change)
        self._commands.append(command)
        self._wake()
        if not command.done.wait(SWITCH_TIMEOUT_SECONDS):
            raise RuntimeError("the proxy's relay thread did not answer")
        if command.error is not None:
            raise command.error

    def _wake(self) -> None:
        try:
            self._wake_write.send(b"x")
        except OSError:
            pass  # closed, or its buffer is full of wake-ups already

    # -- the relay thread: everything below runs on it -----------------------
    def _do_pass_through(self) -> None:
        if self._listener is None:
            self._listener = _listen(self.port)
        self._mode = Mode.PASS_THROUGH

    def _do_refuse(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        for link in self._links:
            _close(link)
        self._links.clear()
        self._mode = Mode.REFUSE

    def _do_partition(self) -> None:
        if self._listener is None:
            self._listener = _listen(self.port)
        self._mode = Mode.PARTITION

    def _do_half_open(self) -> None:
        self._abandoned.extend(self._links)
        self._links.clear()
        self._do_pass_through()

    def _do_reset_abandoned(self) -> None:
        for link in self._abandoned:
            for sock in link.sockets():
                _reset(sock)
        self._abandoned.clear()

    def _loop(self) -> None:
        try:
            while not self._closing:
                self._run_commands()
                self._poll_once()
        finally:
            self._run_commands()  # nobody waits on a switch forever
            for link in self._links + self._abandoned:
                _close(link)
            self._links.clear()
            self._abandoned.clear()
            if self._listener is not None:
                self._listener.close()
                self._listener = None
            self._wake_read.close()

    def _run_commands(self) -> None:
        while self._commands:
            command = self._commands.popleft()
            try:
                if not self._closing:
                    command.change()
            except OSError as error:  # e.g. the port was taken while refusing: the caller hears of it
                command.error = error
            finally:
                command.done.set()

    def _poll_once(self) -> None:
        poller = select.poll()
        handlers: dict[int, Callable[[int], None]] = {self._wake_read.fileno(): self._drain_wake}
        poller.register(self._wake_read, select.POLLIN)
        if self._listener is not None:
            poller.register(self._listener, select.POLLIN)
            handlers[self._listener.fileno()] = self._accept
        if self._mode is Mode.PASS_THROUGH:
            for link in list(self._links):
                if link.server is None and not self._connect(link):
                    continue
                self._register(poller, handlers, link)
        for fd, events in poller.poll(IDLE_POLL_MS):
            handler = handlers.get(fd)
            if handler is not None:
                handler(events)

    def _drain_wake(self, _events: int) -> None:
        try:
            while self._wake_read.recv(CHUNK):
                pass
        except BlockingIOError:
            pass

    def _accept(self, _events: int) -> None:
        assert self._listener is not None
        try:
            client, _address = self._listener.accept()
        except BlockingIOError:
            return
        client.setblocking(False)
        link = _Link(client)
        self._links.append(link)
        if self._mode is Mode.PASS_THROUGH:
            self._connect(link)

    def _connect(self, link: _Link) -> bool:
        """Open the target side of `link`; on failure the client is hung up on, as the target did."""
        try:
            server = socket.create_connection(self.target, timeout=CONNECT_TIMEOUT_SECONDS)
        except OSError:
            self._drop(link)
            return False
        server.setblocking(False)
        link.server = server
        return True

    def _register(self, poller: select.poll, handlers: dict[int, Callable[[int], None]], link: _Link) -> None:
        assert link.server is not None
        for sock, outgoing, incoming in (
            (link.client, link.to_client, link.to_server),
            (link.server, link.to_server, link.to_client),
        ):
            events = select.POLLIN if len(incoming) < BUFFER_LIMIT else 0
            if outgoing:
                events |= select.POLLOUT
            if events:
                poller.register(sock, events)
                handlers[sock.fileno()] = self._relay_handler(link, sock)

    def _relay_handler(self, link: _Link, sock: socket.socket) -> Callable[[int], None]:
        def handle(events: int) -> None:
            if link not in self._links:
                return  # closed by the other side's handler in this same round
            is_client = sock is link.client
            outgoing = link.to_client if is_client else link.to_server
            incoming = link.to_server if is_client else link.to_client
            try:
                if events & select.POLLOUT and outgoing:
                    sent = sock.send(outgoing)
                    del outgoing[:sent]
                if events & (select.POLLIN | select.POLLHUP | select.POLLERR):
                    data = sock.recv(CHUNK)
                    if not data:
                        self._finish(link)
                        return
                    incoming.extend(data)
            except BlockingIOError:
                pass
            except OSError:
                self._finish(link)

        return handle

    def _finish(self, link: _Link) -> None:
        """One side hung up: hand over what it sent before, best effort, then close both sides."""
        for sock, pending in ((link.client, link.to_client), (link.server, link.to_server)):
            if sock is not None and pending:
                try:
                    sock.send(pending)
                except OSError:
                    pass
        self._drop(link)

    def _drop(self, link: _Link) -> None:
        _close(link)
        if link in self._links:
            self._links.remove(link)


def _listen(port: int) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(128)
    listener.setblocking(False)
    return listener


def _close(link: _Link) -> None:
    for sock in link.sockets():
        try:
            sock.close()
        except OSError:
            pass


def _reset(sock: socket.socket) -> None:
    """Close with an RST instead of a FIN (SO_LINGER with a zero timeout)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass
