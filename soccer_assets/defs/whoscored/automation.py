"""Jobs and (only when the source is configured) schedules of the WhoScored domain."""

import datetime as dt

import dagster as dg

from soccer_assets.defs.policies import schedule_status
from soccer_assets.settings import Settings

MONTH_JOB = "whoscored_month_job"
STATS_JOB = "whoscored_stats_job"
# In the first days of a month the previous month's last results are still coming in.
CATCH_UP_DAYS = 3


def build_whoscored_jobs(settings: Settings) -> tuple[list, list]:
    month_job = dg.define_asset_job(
        MONTH_JOB,
        selection=dg.AssetSelection.assets("raw_whoscored"),
        description="Scrape one month of WhoScored fixtures and the match centre of its finished matches.",
    )
    stats_job = dg.define_asset_job(
        STATS_JOB,
        selection=dg.AssetSelection.assets("whoscored_stats"),
        description="Rebuild the per-team WhoScored statistics from the stored snapshots.",
    )
    if not (settings.whoscored_url and settings.whoscored_stages):
        return [month_job, stats_job], []

    @dg.schedule(
        job=month_job,
        cron_schedule="0 6 * * *",
        execution_timezone="UTC",
        default_status=schedule_status(settings),
        description="Daily: scrape the running month (and the previous one during its first days).",
    )
    def whoscored_daily_schedule(context: dg.ScheduleEvaluationContext):
        today = (context.scheduled_execution_time or dt.datetime.now(dt.UTC)).date()
        months = [today.replace(day=1)]
        if today.day <= CATCH_UP_DAYS:
            months.insert(0, (months[0] - dt.timedelta(days=1)).replace(day=1))
        for month in months:
            key = month.isoformat()
            yield dg.RunRequest(run_key=f"{key}:{today.isoformat()}", partition_key=key)

    stats_schedule = dg.ScheduleDefinition(
        name="whoscored_stats_daily",
        job=stats_job,
        cron_schedule="0 7 * * *",
        execution_timezone="UTC",
        default_status=schedule_status(settings),
        description="Daily, after the scrape: rebuild whoscored_stats.",
    )
    return [month_job, stats_job], [whoscored_daily_schedule, stats_schedule]
