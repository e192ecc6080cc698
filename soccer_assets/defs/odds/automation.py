"""Job and schedule of the Fonbet domain: a new line snapshot every 4 hours."""

import dagster as dg

from soccer_assets.defs.policies import schedule_status
from soccer_assets.settings import Settings

FONBET_JOB = "fonbet_odds_job"
FONBET_SCHEDULE = "fonbet_every_4_hours"


def build_fonbet_jobs(settings: Settings) -> tuple[list, list[dg.ScheduleDefinition]]:
    job = dg.define_asset_job(
        FONBET_JOB,
        # only this domain's assets: downstream consumers elsewhere run on their own cadence
        selection=dg.AssetSelection.assets("raw_fonbet_line").downstream() & dg.AssetSelection.groups("odds"),
        description="Snapshot the Fonbet line, then rebuild events, links, review table and odds history.",
    )
    schedule = dg.ScheduleDefinition(
        name=FONBET_SCHEDULE,
        job=job,
        cron_schedule="0 */4 * * *",
        execution_timezone="UTC",
        default_status=schedule_status(settings),
        description="Every 4 hours: a new Fonbet line snapshot and everything built from it.",
    )
    return [job], [schedule]
