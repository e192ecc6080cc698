"""HTTP API over the published store (to come)."""
