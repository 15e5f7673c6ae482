"""Ports for throwaway stacks: never one the kernel could hand to someone else meanwhile."""

from __future__ import annotations

import socket

from scls.stack.ports import free_port


def _ephemeral_low() -> int:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as limits:
        return int(limits.read().split()[0])


def test_free_ports_are_distinct_bindable_and_below_the_kernels_own_range() -> None:
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == 50
    assert max(ports) < _ephemeral_low()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", ports[-1]))
