"""MLflow tracking and registry helpers (no dagster import): runs, model logging, aliases, promotion."""

import os

# MLflow draws progress bars for every artifact download; in Dagster logs and CLI output they
# are noise (a user can still switch them on by setting the variable)
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
# A registry that does not answer must fail a step within a minute, not after MLflow's default
# of seven retries with growing backoff; values set by the user win.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
