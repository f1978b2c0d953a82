"""A local Spark Connect server in a process of its own, for the Spark tests.

``SparkSession.builder.remote("local[2]")`` starts a Spark Connect server
inside the calling process, next to a classic SparkContext, and switches
pyspark's whole process into Spark Connect mode: classic and Connect sessions
cannot then be tested side by side. The tests therefore run that call here,
in a child process, and connect to it as a remote client does
(``sc://localhost:<port>``), as a notebook does on Databricks.

Run as a script, it starts the server on the port given, prints ``ready``
and serves until its standard input closes. (The child's own client session
is left unused: pyspark points it at the default port, 15002, whatever port
the server binds, and a fixed port would clash between test runs sharing a
machine.)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Any

#: Seconds to wait for the server to start (~10 s on 2 idle cores; more under load).
START_TIMEOUT = 180.0


@dataclass
class ConnectServer:
    """A running server: its URL and its process."""

    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(token: str | None = None, driver_memory: str | None = None) -> ConnectServer:
    """Start the server in a child process; return once it accepts sessions.

    The child gets this process's environment (so executors import this
    ``skopt_hp``), ``PYSPARK_PYTHON`` set to this Python, and the
    authentication token that clients must present (also set in this
    process's ``SPARK_CONNECT_AUTHENTICATE_TOKEN``, which pyspark's client
    reads). ``driver_memory`` (e.g. ``"4g"``) sets the server JVM's heap
    (Spark's default: 1 GB).
    """
    token = token or os.environ.get("SPARK_CONNECT_AUTHENTICATE_TOKEN") or uuid.uuid4().hex
    os.environ["SPARK_CONNECT_AUTHENTICATE_TOKEN"] = token
    port = _free_port()
    env = {
        **os.environ,
        "PYSPARK_PYTHON": os.environ.get("PYSPARK_PYTHON", sys.executable),
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        "SPARK_LOCAL_IP": "127.0.0.1",
        "PYTHONWARNINGS": "ignore",
    }
    process = subprocess.Popen(
        [sys.executable, __file__, str(port), driver_memory or ""],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + START_TIMEOUT
    line = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.strip() == "ready" or not line and process.poll() is not None:
            break
    if line.strip() != "ready":
        process.kill()
        raise RuntimeError(f"the Spark Connect server did not start (last output: {line!r})")
    return ConnectServer(f"sc://localhost:{port}", process)


def connect(server: ConnectServer) -> Any:
    """A new Spark Connect client session on ``server``.

    Built with Spark Connect's own builder, which leaves this process's
    pyspark in classic mode (``pyspark.sql.SparkSession.builder.remote``
    would switch it to Spark Connect mode for good).
    """
    from pyspark.sql.connect.session import SparkSession

    return SparkSession.builder.remote(server.url).create()


def _serve(port: str, driver_memory: str) -> None:
    # Settings given to the builder would be applied through the child's own client session,
    # which cannot reach the server (see above): they go to the JVM's command line instead.
    memory = f"--driver-memory {driver_memory} " if driver_memory else ""
    os.environ["PYSPARK_SUBMIT_ARGS"] = (
        f"{memory}--conf spark.connect.grpc.binding.port={port} --conf spark.ui.enabled=false "
        "pyspark-shell"
    )
    from pyspark.sql import SparkSession

    SparkSession.builder.remote("local[2]").getOrCreate()
    print("ready", flush=True)
    sys.stdin.read()  # until the tests close it
    # Stop the server's SparkContext directly: stopping the unusable client session would
    # retry its unreachable port for minutes.
    from pyspark import SparkContext

    context = SparkContext._active_spark_context
    if context is not None:
        context.stop()
    os._exit(0)


if __name__ == "__main__":
    _serve(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "")
