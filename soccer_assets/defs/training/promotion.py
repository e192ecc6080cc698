"""Manual promotion to ``champion``: an explicit job whose run config records who and why."""

import dagster as dg

from soccer_assets.mlops.contract import CANDIDATE, CHAMPION
from soccer_assets.resources.mlflow import MlflowResource

PROMOTION_JOB = "promote_champion_job"


class PromotionConfig(dg.Config):
    approved_by: str
    reason: str
    # empty: the version that currently holds the candidate alias
    version: str = ""


@dg.op(description="Move the champion alias to a model version and record the sign-off in MLflow.")
def promote_to_champion(
    context: dg.OpExecutionContext, config: PromotionConfig, mlflow: MlflowResource
) -> None:
    registry = mlflow.registry()
    version = config.version
    if not version:
        candidate = registry.alias_version(CANDIDATE)
        if candidate is None:
            raise dg.Failure(description="no version holds the candidate alias; name one with `version`")
        version = candidate
    record = registry.promote(version, approved_by=config.approved_by, reason=config.reason, policy="manual")
    context.log.info(
        f"{CHAMPION} is now version {version} (was {record['previous_champion'] or 'none'}), "
        f"approved by {record['approved_by']}: {record['reason']}"
    )


@dg.job(name=PROMOTION_JOB, description="Promote a model version to champion (manual sign-off).")
def promote_champion_job() -> None:
    promote_to_champion()
