"""Dagster resources, built from ``Settings``."""

from __future__ import annotations

from dagster_aws.s3 import S3Resource

from soccer_assets.resources.fonbet import FonbetResource
from soccer_assets.resources.football_data import FootballDataResource
from soccer_assets.resources.mlflow import MlflowResource
from soccer_assets.resources.storage import JsonIOManager, PolarsParquetIOManager, StorageResource
from soccer_assets.resources.whoscored import WhoScoredResource
from soccer_assets.settings import Settings


def build_resources(settings: Settings) -> dict[str, object]:
    storage = StorageResource(
        url=settings.storage_url,
        s3=S3Resource(endpoint_url=settings.s3_endpoint_url, region_name=settings.s3_region),
    )
    return {
        "storage": storage,
        "io_manager": PolarsParquetIOManager(storage=storage),
        "json_io_manager": JsonIOManager(storage=storage),
        "mlflow": MlflowResource(
            tracking_uri=settings.mlflow_tracking_uri,
            artifact_uri=settings.mlflow_artifact_uri,
            experiment=settings.mlflow_experiment,
            model_name=settings.model_name,
            ui_url=settings.mlflow_ui_url,
        ),
        "football_data": FootballDataResource(
            base_url=settings.football_data_url,
            timeout_s=settings.http_timeout_s,
            retries=settings.http_retries,
            backoff_s=settings.http_backoff_s,
            max_download_mb=settings.max_download_mb,
        ),
        "fonbet": FonbetResource(
            url=settings.fonbet_url,
            timeout_s=settings.http_timeout_s,
            retries=settings.http_retries,
            backoff_s=settings.http_backoff_s,
            max_download_mb=settings.max_download_mb,
            min_interval_s=settings.min_request_interval_s,
        ),
        "whoscored": WhoScoredResource(
            base_url=settings.whoscored_url,
            stages=[f"{league}:{stage}" for league, stage in settings.whoscored_stages],
            browser_path=settings.browser_path,
            cdp_url=settings.browser_cdp_url,
            timeout_s=settings.http_timeout_s,
            retries=min(settings.http_retries, 2),
            backoff_s=settings.http_backoff_s,
            min_interval_s=settings.min_request_interval_s,
        ),
    }
