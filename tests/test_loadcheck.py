"""The load check's own parts: finding the server's process by its port, reading its memory, the change."""

import os
import socket
import sys
import threading

import pytest

from eval.loadcheck import _run_change, process_memory, server_pid

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


@linux
def test_the_process_listening_on_the_port_is_found():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert server_pid(f"http://127.0.0.1:{port}/") == os.getpid()
    assert server_pid(f"http://127.0.0.1:{port}/") is None  # closed: nobody listens


@linux
def test_memory_of_a_process():
    memory = process_memory(os.getpid())
    assert 0 < memory["rss_mb"] <= memory["peak_mb"]
    assert process_memory(None) == {} and process_memory(2**22 + 12345) == {}


def test_a_change_reports_what_it_did_or_how_it_failed():
    start = threading.Event()
    start.set()
    done: dict = {}
    _run_change(lambda: {"upload": "已添加"}, start, done)
    assert done["upload"] == "已添加" and done["seconds"] >= 0

    def broken() -> dict:
        raise RuntimeError("no page")

    failed: dict = {}
    _run_change(broken, start, failed)
    assert failed["error"] == "RuntimeError: no page"
