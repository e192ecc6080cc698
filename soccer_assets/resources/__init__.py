"""Dagster resources, built from ``Settings``."""

from __future__ import annotations

from dagster_aws.s3 import S3Resource

from soccer_assets.resources.football_data import FootballDataResource
from soccer_assets.resources.storage import PolarsParquetIOManager, StorageResource
from soccer_assets.settings import Settings


def build_resources(settings: Settings) -> dict[str, object]:
    storage = StorageResource(
        url=settings.storage_url,
        s3=S3Resource(endpoint_url=settings.s3_endpoint_url, region_name=settings.s3_region),
    )
    return {
        "storage": storage,
        "io_manager": PolarsParquetIOManager(storage=storage),
        "football_data": FootballDataResource(
            base_url=settings.football_data_url,
            timeout_s=settings.http_timeout_s,
            retries=settings.http_retries,
            backoff_s=settings.http_backoff_s,
        ),
    }
