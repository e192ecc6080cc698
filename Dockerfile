# Image of the Dagster code location (also usable for the webserver and daemon).
# Not built on the development machines (no Docker engine there); see README status.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DAGSTER_HOME=/opt/dagster/home

WORKDIR /opt/soccer
COPY pyproject.toml README.md ./
COPY soccer_assets soccer_assets
COPY soccer_serving soccer_serving
COPY soccer_ui soccer_ui
RUN pip install . \
    && useradd --create-home --uid 10001 soccer \
    && mkdir -p "$DAGSTER_HOME" && chown soccer "$DAGSTER_HOME"
COPY dagster.yaml workspace.yaml ./
COPY deploy deploy
RUN cp dagster.yaml "$DAGSTER_HOME/dagster.yaml"

USER soccer
EXPOSE 4000
CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", "-m", "soccer_assets.definitions"]
