"""Checking that the stack's ports are free before anything starts, and finding free ones."""

from __future__ import annotations

import errno
import random
import socket
from pathlib import Path

from scls.stack.errors import StackError

HOST = "127.0.0.1"


def port_is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Same option the servers use, so a port in TIME_WAIT after our own stop counts as free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def require_free_ports(ports: dict[str, int], host: str = HOST) -> None:
    """Raise naming the setting to change for the first port in `ports` (setting -> port) in use."""
    for setting, port in ports.items():
        if not port_is_free(port, host):
            raise StackError(
                f"port {port} ({setting}) is in use by another program; "
                f"stop it or set {setting} to a free port"
            )


# Outside Linux's default ephemeral range (32768-60999): a port chosen there is also where
# the kernel puts every outgoing connection's own end and every `bind(0)`, such as the ports
# the Temporal dev server opens for its internal services, so one chosen, released and only
# then bound by its server could be taken in between.
_CHOSEN_FROM = range(10_000, 32_768)
_EPHEMERAL = Path("/proc/sys/net/ipv4/ip_local_port_range")
_handed_out: set[int] = set()
_choose = random.SystemRandom()  # not the tests' seeded `random`


def _outside_the_ephemeral_range() -> range:
    try:
        low, _ = (int(part) for part in _EPHEMERAL.read_text().split())
    except (OSError, ValueError):
        return _CHOSEN_FROM
    return range(_CHOSEN_FROM.start, min(_CHOSEN_FROM.stop, low))


def free_port(host: str = HOST) -> int:
    """A port free now, never handed out before by this process, and outside the range the
    kernel picks from by itself (for tests and throwaway stacks)."""
    ports = _outside_the_ephemeral_range()
    for _ in range(1000):
        port = _choose.choice(ports)
        if port not in _handed_out and port_is_free(port, host):
            _handed_out.add(port)
            return port
    raise StackError(f"no free port found between {ports.start} and {ports.stop - 1}")
