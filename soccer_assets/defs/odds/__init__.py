"""Odds domain: Fonbet line snapshots, events, links to matches and 1X2 odds history."""

import dagster as dg

from soccer_assets.defs.odds.assets import build_fonbet_assets
from soccer_assets.defs.odds.automation import build_fonbet_jobs
from soccer_assets.defs.odds.checks import build_fonbet_checks
from soccer_assets.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    jobs, schedules = build_fonbet_jobs(settings)
    return dg.Definitions(
        assets=build_fonbet_assets(settings),
        asset_checks=build_fonbet_checks(),
        jobs=jobs,
        schedules=schedules,
    )
