"""Operations tooling that is not part of the Dagster code location (``./scripts/stack``)."""
