"""Monitoring domain: drift and quality."""

from __future__ import annotations

import dagster as dg

from soccer_assets.defs.monitoring.assets import build_monitoring_assets
from soccer_assets.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    return dg.Definitions(assets=build_monitoring_assets(settings))
