"""The container image, really built and run with podman.

The image is built from the Dockerfile on ``localhost/py311-base`` (Debian bookworm with Python
3.11 made offline by ./scripts/tools: no image registry is reachable here), with the host's CA
bundle and pip cache mounted only while it builds. Then the final stage is checked (non-root, no
compiler), the API container serves a published store made by the real pipeline through a
read-only mount (readiness and a keyed endpoint over HTTP), and the Dagster code server container
loads the code location (gRPC from the host and the chart's own probe inside the container).
The API container runs with a read-only root filesystem and /tmp as tmpfs, as the Helm chart runs
it; the code server uses the image's own SQLite instance, so its DAGSTER_HOME must be writable.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO_ROOT
from tests.deploy.conftest import free_port
from tests.deploy.tools import INSTALL_HINT, podman, run, tool

BASE_IMAGE = "localhost/py311-base"
IMAGE = "localhost/soccer-platform:test"
BUILDER_IMAGE = "localhost/soccer-platform:test-builder"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
API_KEY = "image-test-key-0123456789abcdef"
UID = "10001"
# a cold build installs the whole dependency set (about 3.5 min here); the first test pays for it
BUILD_TIMEOUT = pytest.mark.timeout(1200)


def test_dockerfile_is_hadolint_clean():
    """hadolint finds nothing; each rule ignored inline carries its reason in the Dockerfile."""
    linted = run([tool("hadolint"), "--no-color", REPO_ROOT / "Dockerfile"])
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert linted.stdout.strip() == "", linted.stdout


def host_pip_cache() -> Path:
    """pip's cache of this machine (filled by ./scripts/bootstrap), shared with the build."""
    cache = Path(os.environ.get("PIP_CACHE_DIR") or Path.home() / ".cache" / "pip")
    cache.mkdir(parents=True, exist_ok=True)
    return cache


@pytest.fixture(scope="module")
def image() -> str:
    """The image built from the Dockerfile on the offline base (layers cached in .tools storage)."""
    if podman("image", "exists", BASE_IMAGE).returncode != 0:
        pytest.fail(f"the base image {BASE_IMAGE} is missing: {INSTALL_HINT}", pytrace=False)
    build = [
        "build",
        "--pull=never",
        "--runtime=runc",
        "--network=host",
        "--layers",
        f"--build-arg=BASE_IMAGE={BASE_IMAGE}",
        # pip inside the build must trust this machine's intercepting CA: the bundle is mounted
        # for the build only and never copied into a layer
        f"--volume={HOST_CA_BUNDLE}:/etc/ssl/certs/ca-certificates.crt:ro",
        f"--build-arg=PIP_CERT={HOST_CA_BUNDLE}",
        f"--volume={host_pip_cache()}:/root/.cache/pip",
        f"--file={REPO_ROOT / 'Dockerfile'}",
    ]
    started = time.monotonic()
    # the builder stage gets a tag of its own, so that pruning the untagged leftovers of earlier
    # builds below keeps its layers (the dependencies' layer is the slow one) as the build cache
    for target in (["--target=builder", f"--tag={BUILDER_IMAGE}"], [f"--tag={IMAGE}"]):
        built = podman(*build, *target, str(REPO_ROOT), timeout=1100)
        assert built.returncode == 0, f"podman build failed:\n{built.stdout[-4000:]}\n{built.stderr[-4000:]}"
    print(f"image built in {time.monotonic() - started:.0f} s")
    pruned = podman("image", "prune", "--force")
    assert pruned.returncode == 0, pruned.stderr
    return IMAGE


def run_once(image: str, *command: str) -> tuple[int, str]:
    done = podman("run", "--rm", "--network=host", "--read-only", image, *command, timeout=120)
    return done.returncode, (done.stdout + done.stderr).strip()


@pytest.mark.slow
@BUILD_TIMEOUT
def test_final_stage_is_non_root_and_without_build_tools(image):
    code, out = run_once(image, "id", "-u")
    assert (code, out) == (0, UID), out
    for compiler in ("gcc", "cc", "g++", "make", "clang"):
        code, out = run_once(image, "sh", "-c", f"command -v {compiler} || echo absent")
        assert (code, out) == (0, "absent"), f"{compiler} is in the final image: {out}"
    # the host's CA bundle was mounted while building, never baked in: the image has Debian's own
    code, bundle = run_once(image, "cat", "/etc/ssl/certs/ca-certificates.crt")
    assert code == 0
    assert bundle.strip() != HOST_CA_BUNDLE.read_text().strip()
    # one image for every role: the commands of the chart and the run launcher are on PATH
    commands = ("soccer", "dagster", "dagster-webserver", "dagster-daemon", "mlflow")
    code, out = run_once(image, "sh", "-c", f"for c in {' '.join(commands)}; do command -v $c; done")
    assert code == 0, out
    assert out.splitlines() == [f"/opt/venv/bin/{name}" for name in commands]
    inspected = podman("image", "inspect", "--format={{json .Config.Cmd}} {{.Config.User}}", image)
    assert inspected.returncode == 0, inspected.stderr
    env = podman("image", "inspect", "--format={{range .Config.Env}}{{println .}}{{end}}", image)
    assert {"DAGSTER_HOME=/opt/dagster/dagster_home", "GRADIO_ANALYTICS_ENABLED=False"} <= set(
        env.stdout.split()
    ), env.stdout
    default_cmd = '["soccer","serve","--host","0.0.0.0","--port","8000"]'
    assert inspected.stdout.split() == [default_cmd, f"{UID}:{UID}"]


@contextmanager
def container(*args: str, read_only: bool = True) -> Iterator[str]:
    """A detached container on the host network with /tmp as tmpfs and HOME=/tmp, and with a
    read-only root filesystem as in the chart unless ``read_only`` is false; always removed
    (not with --rm, so that its logs survive a crash for the failure message)."""
    name = f"soccer-image-test-{uuid.uuid4().hex[:8]}"
    started = podman(
        "run",
        "--detach",
        f"--name={name}",
        "--network=host",
        *(["--read-only"] if read_only else []),
        "--tmpfs=/tmp:rw,size=512m",
        "--env=HOME=/tmp",
        *args,
    )
    assert started.returncode == 0, started.stderr
    try:
        yield name
    finally:
        podman("rm", "--force", "--time=5", name)


def logs(name: str) -> str:
    out = podman("logs", name)
    return (out.stdout + out.stderr)[-5000:]


def wait_until(probe, name: str, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        state = podman("container", "inspect", "--format={{.State.Running}}", name)
        if state.stdout.strip() != "true":
            pytest.fail(f"the {what} container stopped:\n{logs(name)}")
        if time.monotonic() > deadline:
            pytest.fail(f"the {what} container did not answer in {timeout:.0f} s:\n{logs(name)}")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def mounted_store(pipeline_store, tmp_path_factory) -> Path:
    """A copy of the pipeline's publication that the container's user (uid 10001) can read."""
    root = pipeline_store.copy_to(tmp_path_factory.mktemp("image-store"))
    root.chmod(0o755)
    for folder, dirs, files in os.walk(root):
        for entry in dirs:
            (Path(folder) / entry).chmod(0o755)
        for entry in files:
            (Path(folder) / entry).chmod(0o644)
    return root


@pytest.mark.slow
@BUILD_TIMEOUT
def test_api_container_serves_the_published_store(image, mounted_store):
    port = free_port()
    with container(
        f"--volume={mounted_store}:/data/store:ro",
        "--env=SOCCER_STORAGE_URL=/data/store",
        f"--env=SOCCER_API_KEYS={API_KEY}",
        image,
        "soccer",
        "serve",
        "--host=127.0.0.1",
        f"--port={port}",
    ) as name:
        url = f"http://127.0.0.1:{port}"

        def answers() -> bool:
            try:
                return httpx.get(f"{url}/healthcheck/", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(answers, name, "API")
        ready = httpx.get(f"{url}/healthcheck/ready", timeout=10)
        assert ready.status_code == 200, ready.text
        health = ready.json()
        assert health["status"] in ("ok", "degraded"), health
        assert health["publication_id"], health
        assert httpx.get(f"{url}/predict/cards/?limit=1", timeout=10).status_code == 401
        cards = httpx.get(f"{url}/predict/cards/?limit=1", headers={"X-API-Key": API_KEY}, timeout=30)
        assert cards.status_code == 200, cards.text
        assert cards.json(), cards.text


@pytest.mark.slow
@BUILD_TIMEOUT
def test_code_server_container_loads_the_code_location(image):
    from dagster._grpc.client import DagsterGrpcClient
    from dagster._grpc.types import ListRepositoriesResponse
    from dagster_shared.serdes import deserialize_value

    port = free_port()
    # the image's own single-container instance: SQLite under DAGSTER_HOME, which belongs to the
    # image's user (in the chart DAGSTER_HOME is a read-only ConfigMap with PostgreSQL instead)
    with container(
        "--env=SOCCER_STORAGE_URL=/tmp/store",
        image,
        "dagster",
        "api",
        "grpc",
        "--module-name=soccer_assets.definitions",
        "--host=127.0.0.1",
        f"--port={port}",
        read_only=False,
    ) as name:
        client = DagsterGrpcClient(port=port, host="127.0.0.1")

        def serving() -> bool:
            try:
                return client.ping("soccer")["echo"] == "soccer"
            except Exception:
                return False

        wait_until(serving, name, "code server", timeout=120)
        listed = deserialize_value(client.list_repositories())
        assert isinstance(listed, ListRepositoriesResponse), f"the code location failed to load: {listed}"
        assert listed.executable_path == "/opt/venv/bin/python", listed.executable_path
        assert [symbol.repository_name for symbol in listed.repository_symbols] == ["__repository__"]
        # the chart's liveness/readiness probe, run in the container as Kubernetes would
        probe = podman("exec", name, "dagster", "api", "grpc-health-check", f"--port={port}")
        assert probe.returncode == 0, probe.stdout + probe.stderr
    assert podman("container", "exists", name).returncode == 1, f"{name} was not removed"
