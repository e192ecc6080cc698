"""Jobs and schedules of the ingestion domain."""

import datetime as dt

import dagster as dg

from soccer_assets.defs.ingestion.partitions import partition_key
from soccer_assets.defs.policies import schedule_status
from soccer_assets.lib.seasons import Season
from soccer_assets.settings import Settings

RAW_RESULTS_JOB = "football_data_results_job"
CANONICAL_JOB = "canonical_tables_job"


def build_ingestion_jobs(settings: Settings) -> tuple[list, list]:
    results_job = dg.define_asset_job(
        RAW_RESULTS_JOB,
        selection=dg.AssetSelection.assets("raw_football_data"),
        description="Fetch one league-season results file (per partition) and validate it.",
    )
    canonical_job = dg.define_asset_job(
        CANONICAL_JOB,
        selection=dg.AssetSelection.assets("raw_fixtures", "matches", "fixtures"),
        description="Snapshot fixtures.csv and rebuild the canonical matches and fixtures tables.",
    )

    @dg.schedule(
        job=results_job,
        cron_schedule="0 5 * * *",
        execution_timezone="UTC",
        default_status=schedule_status(settings),
        description="Daily: re-fetch the current season's file of every configured league.",
    )
    def daily_results_schedule(context: dg.ScheduleEvaluationContext):
        when = (context.scheduled_execution_time or dt.datetime.now(dt.UTC)).date()
        season = Season.containing(when)
        if season not in settings.seasons:
            return dg.SkipReason(f"current season {season.label} is not in SOCCER_SEASONS")
        return [
            dg.RunRequest(run_key=f"{key}:{when.isoformat()}", partition_key=key)
            for key in (partition_key(league, season) for league in settings.leagues)
        ]

    canonical_schedule = dg.ScheduleDefinition(
        name="daily_canonical_schedule",
        job=canonical_job,
        cron_schedule="30 5 * * *",
        execution_timezone="UTC",
        default_status=schedule_status(settings),
        description="Daily, after the results fetch: new fixtures snapshot, rebuilt matches and fixtures.",
    )
    return [results_job, canonical_job], [daily_results_schedule, canonical_schedule]
