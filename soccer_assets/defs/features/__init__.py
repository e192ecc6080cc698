"""Features domain: ratings and match features."""

from __future__ import annotations

import dagster as dg

from soccer_assets.defs.features.assets import build_feature_assets
from soccer_assets.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    return dg.Definitions(assets=build_feature_assets(settings))
