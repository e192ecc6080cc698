"""Publishing domain: the published store the HTTP API reads."""

from __future__ import annotations

import dagster as dg

from soccer_assets.defs.publishing.assets import build_publishing_assets
from soccer_assets.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    return dg.Definitions(assets=build_publishing_assets(settings))
