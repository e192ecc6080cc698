"""Inference domain: predictions, cards, backtest."""

from __future__ import annotations

import dagster as dg

from soccer_assets.defs.inference.assets import build_inference_assets
from soccer_assets.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    return dg.Definitions(assets=build_inference_assets(settings))
