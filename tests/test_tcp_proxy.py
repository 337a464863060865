"""The fault-injecting TCP proxy: each mode does to a connection what the network it imitates would."""

from __future__ import annotations

import os
import random
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests.conftest import POSTGRES_ADMIN_URL, REQUIRE_POSTGRES
from tests.harness.tcp_proxy import TcpProxy

SILENT = 0.5  # a read that gets nothing for this long sees a silent connection


class EchoServer:
    """Echoes every connection on 127.0.0.1; `ended` counts connections whose client hung up or reset."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self.ended = 0
        self._lock = threading.Lock()
        self._connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._connections.append(connection)
            threading.Thread(target=self._echo, args=(connection,), daemon=True).start()

    def _echo(self, connection: socket.socket) -> None:
        try:
            with connection:
                while data := connection.recv(4096):
                    connection.sendall(data)
        except OSError:
            pass
        with self._lock:
            self.ended += 1

    def close(self) -> None:
        self._listener.close()
        with self._lock:
            for connection in self._connections:
                connection.close()


@pytest.fixture
def echo() -> Iterator[EchoServer]:
    server = EchoServer()
    yield server
    server.close()


@pytest.fixture
def proxy(echo: EchoServer) -> Iterator[TcpProxy]:
    with TcpProxy("127.0.0.1", echo.port) as tcp_proxy:
        yield tcp_proxy


def connect(proxy: TcpProxy) -> socket.socket:
    client = socket.create_connection(("127.0.0.1", proxy.port), timeout=2)
    client.settimeout(SILENT)
    return client


def echoed(client: socket.socket, payload: bytes) -> bytes:
    client.sendall(payload)
    received = b""
    while len(received) < len(payload):
        chunk = client.recv(4096)
        if not chunk:
            break
        received += chunk
    return received


def assert_silent(client: socket.socket, payload: bytes = b"anyone there?") -> None:
    client.sendall(payload)
    with pytest.raises(TimeoutError):
        client.recv(4096)


def wait_until(condition, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_pass_through_relays_both_ways(proxy: TcpProxy) -> None:
    payload = bytes(random.getrandbits(8) for _ in range(200_000))  # several chunks each way
    with connect(proxy) as client:
        client.settimeout(5)
        assert echoed(client, payload) == payload


def test_refuse_closes_the_port_and_the_open_connections(proxy: TcpProxy, echo: EchoServer) -> None:
    with connect(proxy) as old:
        assert echoed(old, b"ping") == b"ping"
        proxy.refuse()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", proxy.port), timeout=2)
        assert old.recv(4096) == b""  # the proxy hung up, as a stopped server does
        assert wait_until(lambda: echo.ended == 1)

    proxy.pass_through()  # the same port listens again
    with connect(proxy) as client:
        assert echoed(client, b"back") == b"back"


def test_partition_accepts_but_relays_nothing_until_it_heals(proxy: TcpProxy) -> None:
    with connect(proxy) as old:
        assert echoed(old, b"before") == b"before"
        proxy.partition()
        assert_silent(old, b"held-1")
        with connect(proxy) as new:  # the connect itself succeeds
            assert_silent(new, b"held-2")

            proxy.pass_through()
            new.settimeout(5)
            old.settimeout(5)
            assert new.recv(4096) == b"held-2"  # what was sent during the partition arrives after it
            assert old.recv(4096) == b"held-1"
            assert echoed(old, b"after") == b"after"


def test_half_open_abandons_old_connections_silently_and_new_ones_relay(proxy: TcpProxy, echo: EchoServer) -> None:
    old = connect(proxy)
    assert echoed(old, b"before") == b"before"
    proxy.half_open()

    assert_silent(old)
    with connect(proxy) as new:
        assert echoed(new, b"fresh") == b"fresh"
    assert wait_until(lambda: echo.ended == 1)  # the new connection's end did cross

    old.close()  # the client gives up: no FIN reaches the server
    time.sleep(SILENT)
    assert echo.ended == 1 and proxy.abandoned == 1

    proxy.reset_abandoned()  # the peer's own timeout at last, or a middlebox answering with RST
    assert wait_until(lambda: echo.ended == 2)


def test_half_open_sends_nothing_to_a_client_still_waiting(proxy: TcpProxy) -> None:
    with connect(proxy) as old:
        proxy.half_open()
        time.sleep(SILENT)
        with pytest.raises(TimeoutError):  # neither data nor a FIN nor an RST
            old.recv(4096)
        proxy.pass_through()  # healing the path does not bring lost state back
        assert_silent(old)


@pytest.fixture
def postgres_url() -> str:
    """The admin database's URL, when PostgreSQL answers on it."""
    engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL not reachable: {error}")
        pytest.skip(f"PostgreSQL not reachable: {type(error).__name__}")
    finally:
        engine.dispose()
    return POSTGRES_ADMIN_URL


def pg_proxy(url: str) -> TcpProxy:
    parsed = make_url(url)
    return TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432)


def test_postgresql_through_the_proxy_answers_and_fails_as_each_mode_says(postgres_url: str) -> None:
    with pg_proxy(postgres_url) as proxy:
        url = proxy.url_for(postgres_url)
        engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 2})  # each connect dials
        try:
            with engine.connect() as connection:
                assert connection.execute(text("SELECT 1")).scalar() == 1

            proxy.refuse()
            started = time.monotonic()
            with pytest.raises(Exception, match="(?i)refused"):
                engine.connect().close()
            assert time.monotonic() - started < 1

            proxy.partition()
            started = time.monotonic()
            with pytest.raises(Exception, match="(?i)timeout"):  # libpq's connect_timeout: nothing answers
                engine.connect().close()
            assert time.monotonic() - started >= 1.5

            proxy.pass_through()
            with engine.connect() as connection:
                assert connection.execute(text("SELECT 1")).scalar() == 1
        finally:
            engine.dispose()


def test_half_open_orphans_the_backend_and_its_advisory_lock(postgres_url: str) -> None:
    key = random.getrandbits(62)
    direct = create_engine(postgres_url)
    with pg_proxy(postgres_url) as proxy:
        holder = create_engine(proxy.url_for(postgres_url))
        try:
            connection = holder.connect()
            assert connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            connection.commit()
            proxy.half_open()

            def lock_is_free() -> bool:
                with direct.connect() as other:
                    got = bool(other.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
                    if got:
                        other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    return got

            assert not lock_is_free()  # the backend lives on and holds the lock for a client it cannot reach
            with holder.connect() as fresh:  # while new connections through the same path work
                assert fresh.execute(text("SELECT 1")).scalar() == 1

            proxy.reset_abandoned()
            assert wait_until(lock_is_free)
            connection.invalidate()
        finally:
            holder.dispose()
    direct.dispose()


def test_close_leaves_no_thread_or_socket_behind(echo: EchoServer) -> None:
    def open_files() -> int:
        return len(os.listdir("/proc/self/fd"))

    before = open_files()
    proxy = TcpProxy("127.0.0.1", echo.port)
    abandoned = connect(proxy)
    assert echoed(abandoned, b"x") == b"x"
    proxy.half_open()
    relayed = connect(proxy)
    assert echoed(relayed, b"y") == b"y"
    proxy.partition()
    held = connect(proxy)
    proxy.close()
    for client in (abandoned, relayed, held):
        client.close()
    assert not any(thread.name == f"tcp-proxy-{proxy.port}" for thread in threading.enumerate())
    assert wait_until(lambda: echo.ended == 2)  # the target saw both of its connections end
    assert wait_until(lambda: open_files() <= before)
