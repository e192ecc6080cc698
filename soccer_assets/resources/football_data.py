"""football-data.co.uk as a Dagster resource: where the files are and how to fetch them."""

from __future__ import annotations

import dagster as dg

from soccer_assets.lib.seasons import Season
from soccer_assets.sources.http import FetchResult, HttpFetcher


class FootballDataResource(dg.ConfigurableResource):
    """Season results (``mmz4281/<SSYY>/<DIV>.csv``) and ``fixtures.csv``.

    ``base_url`` may point at the real site or at any mirror with the same layout, e.g.
    ``python -m http.server --directory ../shared/data/football-data``.
    """

    base_url: str = "https://www.football-data.co.uk/"
    timeout_s: float = 30.0
    retries: int = 4
    backoff_s: float = 1.0
    max_download_mb: float = 20.0

    def results_url(self, league: str, season: Season) -> str:
        return f"{self.base_url.rstrip('/')}/mmz4281/{season.code}/{league}.csv"

    def fixtures_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/fixtures.csv"

    def fetcher(self) -> HttpFetcher:
        return HttpFetcher(
            timeout_s=self.timeout_s,
            retries=self.retries,
            backoff_s=self.backoff_s,
            max_bytes=int(self.max_download_mb * 2**20),
        )

    def fetch(self, url: str) -> FetchResult:
        return self.fetcher().get(url)
