"""Calendar-month partitions of WhoScored data (the site publishes fixtures per month)."""

import datetime as dt

import dagster as dg

from soccer_assets.settings import Settings


def month_partitions(settings: Settings) -> dg.MonthlyPartitionsDefinition:
    """From July of the first configured season up to and including the running month."""
    first = min(settings.seasons)
    return dg.MonthlyPartitionsDefinition(start_date=f"{first.start_year}-07-01", end_offset=1)


def month_of(partition_key: str) -> dt.date:
    return dt.date.fromisoformat(partition_key)
