"""Checking that the stack's ports are free before anything starts, and finding free ones."""

from __future__ import annotations

import errno
import socket

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


def free_port(host: str = HOST) -> int:
    """A port the OS considers free now (for tests and throwaway stacks)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port
