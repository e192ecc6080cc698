"""WhoScored as a Dagster resource: optional, browser-driven, one session per run."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from soccer_assets.lib.whoscored.fixtures import fixtures_url, match_url
from soccer_assets.lib.whoscored.page import block_reason
from soccer_assets.sources.browser import BrowserFetcher

OFF_REASON = "WhoScored is off: set SOCCER_WHOSCORED_URL and SOCCER_WHOSCORED_STAGES to enable it"


class WhoScoredResource(dg.ConfigurableResource):
    """The site (or a local copy), the stages to follow, and the browser to use.

    ``stages`` holds ``LEAGUE:STAGE_ID`` items (``E0:18685`` is the Premier League
    2020/21). Without ``base_url`` or stages the source is off: its assets then do
    nothing and say so, and no schedule is registered.
    """

    base_url: str | None = None
    stages: list[str] = []
    browser_path: str = "/usr/bin/chromium"
    cdp_url: str | None = None
    timeout_s: float = 30.0
    retries: int = 2
    backoff_s: float = 2.0
    min_interval_s: float = 5.0

    @property
    def enabled(self) -> bool:
        return bool(self.base_url) and bool(self.stages)

    def stage_leagues(self) -> dict[int, str]:
        """WhoScored stage id -> football-data league code."""
        pairs = (item.split(":", 1) for item in self.stages)
        return {int(stage): league for league, stage in pairs}

    def fixtures_url(self, stage_id: int, month: dt.date) -> str:
        return fixtures_url(self._base(), stage_id, month)

    def match_url(self, ws_match_id: int) -> str:
        return match_url(self._base(), ws_match_id)

    def browser(self) -> BrowserFetcher:
        """A browser session (a context manager) that recognises WhoScored's block pages."""
        return BrowserFetcher(
            executable_path=self.browser_path,
            cdp_url=self.cdp_url,
            timeout_s=self.timeout_s,
            retries=self.retries,
            backoff_s=self.backoff_s,
            min_interval_s=self.min_interval_s,
            detect_block=block_reason,
        )

    def _base(self) -> str:
        if not self.base_url:
            raise RuntimeError(OFF_REASON)
        return self.base_url
