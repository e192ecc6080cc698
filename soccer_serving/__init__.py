"""HTTP API over the published store (Litestar + msgspec); see app.py."""
