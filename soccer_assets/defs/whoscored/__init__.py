"""WhoScored domain (optional): match-centre snapshots via Playwright and per-team stats."""

import dagster as dg

from soccer_assets.defs.whoscored.assets import build_whoscored_assets
from soccer_assets.defs.whoscored.automation import build_whoscored_jobs
from soccer_assets.defs.whoscored.checks import build_whoscored_checks
from soccer_assets.defs.whoscored.partitions import month_partitions
from soccer_assets.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    jobs, schedules = build_whoscored_jobs(settings)
    return dg.Definitions(
        assets=build_whoscored_assets(month_partitions(settings)),
        asset_checks=build_whoscored_checks(),
        jobs=jobs,
        schedules=schedules,
    )
