"""Dagster code location of the soccer prediction platform (see definitions.py)."""
