"""MLflow tracking and registry helpers (no dagster import): runs, model logging, aliases, promotion."""

import os

# MLflow draws progress bars for every artifact download; in Dagster logs and CLI output they
# are noise (a user can still switch them on by setting the variable)
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
