# One image for every role of the platform (docs/deployment.md, "Build and install"):
#   API (default)        soccer serve --host 0.0.0.0 --port 8000
#   UI                   soccer ui --host 0.0.0.0 --port 7860
#   Dagster code server  dagster api grpc -m soccer_assets.definitions -h 0.0.0.0 -p 4000
#   Dagster webserver    dagster-webserver -h 0.0.0.0 -p 3000 -w workspace.yaml
#   Dagster daemon       dagster-daemon run -w workspace.yaml
#   run / step workers   dagster api execute_run | execute_step ... (K8sRunLauncher and the
#                        k8s_job_executor pass these as the container's args)
# There is no ENTRYPOINT on purpose: Kubernetes `command`, the run launcher's `args` and
# `podman run IMAGE CMD...` all run their command as is.
#
# BASE_IMAGE is any Debian-like image with Python 3.11, venv and CA certificates: the official
# python:3.11-slim (python3 in /usr/local/bin) or a debootstrapped bookworm (python3 in /usr/bin).
ARG BASE_IMAGE=python:3.11-slim

# --- builder: the virtualenv with the project and its dependencies ----------------------
FROM ${BASE_IMAGE} AS builder
ARG PYTHON=python3
# pip settings of the building machine (index, certificate bundle...) arrive as build arguments
# and are only seen by this stage, which is discarded: nothing of them reaches the image
ARG PIP_INDEX_URL
ARG PIP_EXTRA_INDEX_URL
ARG PIP_CERT
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PIP_DEFAULT_TIMEOUT=180
RUN "${PYTHON}" -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml ./
# The dependencies first, in their own layer, reused while only the project's code changes.
# pip's cache stays on: it is either a build-time volume (podman build -v HOST_CACHE:/root/.cache/pip)
# or part of this discarded stage, never of the final image.
# hadolint ignore=DL3042
RUN /opt/venv/bin/python -m pip install --quiet --upgrade "pip==26.3" \
    && /opt/venv/bin/python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
        > /tmp/requirements.txt \
    && /opt/venv/bin/python -m pip install --quiet -r /tmp/requirements.txt
COPY README.md ./
COPY soccer_assets soccer_assets
COPY soccer_serving soccer_serving
COPY soccer_ui soccer_ui
# hadolint ignore=DL3042
RUN /opt/venv/bin/python -m pip install --quiet --no-deps . \
    && /opt/venv/bin/python -m pip check

# --- runtime: the virtualenv, the instance and workspace files, a non-root user ---------
FROM ${BASE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="soccer-platform" \
      org.opencontainers.image.description="Football 1X2 predictions: Dagster code location, HTTP API, web UI" \
      org.opencontainers.image.licenses="Apache-2.0"
# libgomp1: the OpenMP runtime LightGBM's wheel links against (not bundled in the wheel).
# Not version-pinned: it follows the base image's Debian release and its security updates.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 soccer \
    && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/soccer \
        --shell /usr/sbin/nologin soccer \
    && mkdir -p /opt/dagster/dagster_home /opt/dagster/app \
    && chown 10001:10001 /opt/dagster/dagster_home
COPY --from=builder /opt/venv /opt/venv
# the chart mounts its own dagster.yaml (PostgreSQL, K8sRunLauncher) over DAGSTER_HOME and its
# own workspace.yaml; these are the single-container defaults (SQLite under DAGSTER_HOME)
COPY dagster.yaml /opt/dagster/dagster_home/dagster.yaml
COPY workspace.yaml /opt/dagster/app/workspace.yaml
ENV PATH=/opt/venv/bin:$PATH \
    VIRTUAL_ENV=/opt/venv \
    DAGSTER_HOME=/opt/dagster/dagster_home \
    GRADIO_ANALYTICS_ENABLED=False \
    GIT_PYTHON_REFRESH=quiet \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /opt/dagster/app
USER 10001:10001
# API, UI, Dagster code server (gRPC), Dagster webserver
EXPOSE 8000 7860 4000 3000
CMD ["soccer", "serve", "--host", "0.0.0.0", "--port", "8000"]
