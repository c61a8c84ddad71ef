"""The vectorstream service the tests run against.

``VECTORSTREAM_URL`` names a running one (the build's PythonClientIntegrationTest starts a `dev`
process and sets it, with ``VECTORSTREAM_ADMIN_KEY`` and ``VECTORSTREAM_READ_KEY`` for the keys it
created); without it the tests start ``bin/vectorstream dev`` themselves on free ports, with two
keys made by ``bin/vectorstream api-key create``, and stop it at the end.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import List, Optional

REPO = Path(__file__).resolve().parents[3]


class Service:
    def __init__(self) -> None:
        self.url: str = ""
        self.admin_key: Optional[str] = None
        self.read_key: Optional[str] = None
        self._process: Optional[subprocess.Popen] = None
        self._data: Optional[str] = None
        self._output: List[str] = []

    def start(self) -> None:
        if os.environ.get("VECTORSTREAM_URL"):
            self.url = os.environ["VECTORSTREAM_URL"].rstrip("/")
            self.admin_key = os.environ.get("VECTORSTREAM_ADMIN_KEY")
            self.read_key = os.environ.get("VECTORSTREAM_READ_KEY")
            return
        launcher = str(REPO / "bin" / "vectorstream")
        self._data = tempfile.mkdtemp(prefix="vectorstream-python-")
        self.admin_key = self._create_key(launcher, "python-admin", "admin")
        self.read_key = self._create_key(launcher, "python-read", "read")
        port, kafka_port = _free_port(), _free_port()
        self._process = subprocess.Popen(
            [launcher, "dev", "--data-dir", self._data, "--port", str(port), "--kafka-port", str(kafka_port)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        ready = threading.Event()

        def read() -> None:
            assert self._process is not None and self._process.stdout is not None
            for line in self._process.stdout:
                self._output.append(line.rstrip())
                if "Press Ctrl-C to stop." in line:
                    ready.set()
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(600) or self._process.poll() is not None:
            raise RuntimeError("vectorstream dev did not start:\n" + "\n".join(self._output))
        self.url = f"http://127.0.0.1:{port}"

    def _create_key(self, launcher: str, name: str, scope: str) -> str:
        out = subprocess.run([launcher, "api-key", "create", "--name", name, "--scope", scope,
                              "--data-dir", self._data], check=True, capture_output=True, text=True).stdout
        return re.search(r"^(vs_\S+)$", out, re.M).group(1)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(60)
            except subprocess.TimeoutExpired:
                self._process.kill()
        if self._data is not None:
            shutil.rmtree(self._data, ignore_errors=True)


def _free_port() -> int:
    # Below Linux's ephemeral range: a port handed out there may be taken by the next outgoing connection.
    for _ in range(100):
        port = random.randint(20000, 31999)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port")


SERVICE = Service()


def unique(prefix: str) -> str:
    """An id no other run of the tests has used on this service."""
    return f"{prefix}-{int(time.time() * 1000) % 10**9}-{random.randint(0, 9999)}"
