"""Ingestion domain: football-data.co.uk season files and fixtures."""

from __future__ import annotations

import dagster as dg

from soccer_assets.defs.ingestion.assets import build_ingestion_assets
from soccer_assets.defs.ingestion.automation import build_ingestion_jobs
from soccer_assets.defs.ingestion.checks import build_ingestion_checks
from soccer_assets.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    assets = build_ingestion_assets(settings)
    checks = build_ingestion_checks({a.key.to_user_string(): a for a in assets})
    jobs, schedules = build_ingestion_jobs(settings)
    return dg.Definitions(assets=assets, asset_checks=checks, jobs=jobs, schedules=schedules)
