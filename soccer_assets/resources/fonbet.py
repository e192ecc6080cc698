"""Fonbet's public line JSON as a Dagster resource."""

from __future__ import annotations

import dagster as dg

from soccer_assets.sources.http import FetchResult, HttpFetcher


class FonbetResource(dg.ConfigurableResource):
    """Where the line is and how politely to fetch it.

    ``url`` is the full URL of the line JSON: the real site, or any server with a copy,
    e.g. ``python -m http.server --directory ../shared/data/fonbet`` and
    ``http://127.0.0.1:8000/currentLine.json``.
    """

    url: str
    timeout_s: float = 30.0
    retries: int = 4
    backoff_s: float = 1.0
    min_interval_s: float = 5.0
    max_download_mb: float = 20.0

    def fetch(self) -> FetchResult:
        fetcher = HttpFetcher(
            timeout_s=self.timeout_s,
            retries=self.retries,
            backoff_s=self.backoff_s,
            min_interval_s=self.min_interval_s,
            max_bytes=int(self.max_download_mb * 2**20),
        )
        return fetcher.get(self.url)
