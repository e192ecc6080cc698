"""Scraping one stage-month of WhoScored into immutable snapshots.

The month's fixtures JSON is stored as fetched; then every finished match without a
stored match-centre snapshot is loaded in the browser and its ``matchCentreData`` is
stored as JSON. A finished match's data does not change, so a stored snapshot is the
cache: later runs skip it and only new results cost a page load. A match the site has
no data for yet (``null``) is counted and retried on the next run.
"""

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field

from soccer_assets.lib.whoscored.fixtures import Fixture, fixtures_url, match_url, parse_fixtures
from soccer_assets.lib.whoscored.page import extract_match_centre
from soccer_assets.sources.browser import BrowserFetcher
from soccer_assets.storage.snapshots import SnapshotStore

FIXTURES_SOURCE = "whoscored/fixtures"
MATCHCENTRE_SOURCE = "whoscored/matchcentre"


def fixtures_partition(stage_id: int, month: dt.date) -> str:
    return f"{stage_id}/{month:%Y-%m}"


def matchcentre_partition(stage_id: int, ws_match_id: int) -> str:
    return f"{stage_id}/{ws_match_id}"


@dataclass
class MonthScrape:
    counts: Counter[str] = field(default_factory=Counter)
    fixtures: list[Fixture] = field(default_factory=list)


def scrape_month(
    browser: BrowserFetcher, snapshots: SnapshotStore, base_url: str, stage_id: int, month: dt.date
) -> MonthScrape:
    """Fixtures of ``month`` and the match centre of each newly finished match.

    Raises the browser's ``PageBlocked``/``SourceError`` and the parsers' format errors:
    what was stored before the failure stays stored.
    """
    scrape = MonthScrape()
    page = browser.get(fixtures_url(base_url, stage_id, month), raw=True)
    content = page.body.encode()
    scrape.fixtures = parse_fixtures(content, stage_id)
    snapshots.save(
        source=FIXTURES_SOURCE,
        partition=fixtures_partition(stage_id, month),
        url=page.url,
        content=content,
        http_status=page.status,
        fetched_at=page.fetched_at,
        extension="json",
        rows=len(scrape.fixtures),
    )
    scrape.counts["fixtures"] = len(scrape.fixtures)
    for fixture in scrape.fixtures:
        if not fixture.finished:
            continue
        scrape.counts["finished"] += 1
        partition = matchcentre_partition(stage_id, fixture.ws_match_id)
        if snapshots.latest(MATCHCENTRE_SOURCE, partition) is not None:
            scrape.counts["cached"] += 1
            continue
        page = browser.get(match_url(base_url, fixture.ws_match_id))
        data = extract_match_centre(page.body)
        if data is None:
            scrape.counts["without_data"] += 1
            continue
        snapshots.save(
            source=MATCHCENTRE_SOURCE,
            partition=partition,
            url=page.url,
            content=json.dumps(data, ensure_ascii=False, sort_keys=True).encode(),
            http_status=page.status,
            fetched_at=page.fetched_at,
            extension="json",
            rows=len(data.get("events") or []),
        )
        scrape.counts["fetched"] += 1
    return scrape
