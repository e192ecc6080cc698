"""MLflow tracking and registry helpers (no dagster import): runs, model logging, aliases, promotion."""
