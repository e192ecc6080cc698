"""Default state of schedules and sensors: RUNNING under the daemon unless SOCCER_AUTOMATION=false."""

import dagster as dg

from soccer_assets.settings import Settings


def schedule_status(settings: Settings) -> dg.DefaultScheduleStatus:
    return dg.DefaultScheduleStatus.RUNNING if settings.automation_on else dg.DefaultScheduleStatus.STOPPED


def sensor_status(settings: Settings) -> dg.DefaultSensorStatus:
    return dg.DefaultSensorStatus.RUNNING if settings.automation_on else dg.DefaultSensorStatus.STOPPED
