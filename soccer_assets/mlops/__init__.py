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


def _quiet_libraries() -> None:
    """MLflow, Alembic and friends log at INFO about every table and artifact; keep their own
    output at warning level unless SOCCER_LIBRARY_LOG_LEVEL asks for more (e.g. INFO)."""
    import logging

    name = os.environ.get("SOCCER_LIBRARY_LOG_LEVEL", "WARNING").upper()
    level = getattr(logging, name, logging.WARNING)
    os.environ.setdefault(
        "MLFLOW_LOGGING_LEVEL", logging.getLevelName(level)
    )  # MLflow sets its own on import
    for name in ("mlflow", "alembic", "optuna", "git"):
        logging.getLogger(name).setLevel(level)

    class _KnownPickling(logging.Filter):
        # the pyfunc wraps our own class on purpose; MLflow warns about cloudpickle on every log
        def filter(self, record: logging.LogRecord) -> bool:
            return "CloudPickle" not in record.getMessage()

    logging.getLogger("mlflow.pyfunc").addFilter(_KnownPickling())


_quiet_libraries()
