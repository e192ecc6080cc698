"""Automation policies shared by the domains.

Schedules and sensors start RUNNING under the daemon unless SOCCER_AUTOMATION=false.
Downstream assets refresh eagerly, but only once the blocking checks of everything they
read have passed: a failed gate or schema check holds them back.
"""

import dagster as dg

from soccer_assets.settings import Settings


def schedule_status(settings: Settings) -> dg.DefaultScheduleStatus:
    return dg.DefaultScheduleStatus.RUNNING if settings.automation_on else dg.DefaultScheduleStatus.STOPPED


def sensor_status(settings: Settings) -> dg.DefaultSensorStatus:
    return dg.DefaultSensorStatus.RUNNING if settings.automation_on else dg.DefaultSensorStatus.STOPPED


def refresh_after_checks() -> dg.AutomationCondition:
    return (
        dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed()
    ).with_label("eager, once upstream blocking checks pass")
