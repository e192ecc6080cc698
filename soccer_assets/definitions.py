"""The code location: one ``Definitions`` object assembled from every domain in ``defs/``.

``dagster dev`` / ``dg`` load ``defs`` from here. Tests call ``build_definitions`` with
their own ``Settings`` instead.
"""

from __future__ import annotations

import warnings

import dagster as dg

from soccer_assets.defs import (
    automation,
    features,
    inference,
    ingestion,
    monitoring,
    odds,
    publishing,
    training,
    whoscored,
)
from soccer_assets.defs.progress import LOGGER_NAME, soccer_progress
from soccer_assets.resources import build_resources
from soccer_assets.settings import Settings

DOMAINS = (ingestion, odds, whoscored, features, training, inference, monitoring, publishing, automation)

# Two Dagster features flagged preview/beta are used on purpose: partitioned asset checks
# (raw snapshots are validated per league-season) and explicit data versions on outputs
# (an identical re-fetch must not make downstream assets stale).
warnings.filterwarnings("ignore", category=dg.PreviewWarning)
warnings.filterwarnings("ignore", category=dg.BetaWarning)


def build_definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions.merge(
        *(domain.build_defs(settings) for domain in DOMAINS),
        dg.Definitions(
            resources=build_resources(settings),
            # console stays the default; `soccer run` selects the terminal progress logger instead
            loggers={"console": dg.colored_console_logger, LOGGER_NAME: soccer_progress},
        ),
    )


defs = build_definitions(Settings.from_env())
