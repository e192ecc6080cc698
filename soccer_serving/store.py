"""The published store as the API reaches it: a folder, or an S3 bucket through boto3.

No dagster here (the API process never imports it): the same blob store classes the
pipeline writes with, opened from ``ApiSettings``. S3 credentials come from the standard
AWS environment, exactly as for the pipeline.
"""

from __future__ import annotations

from soccer_assets.storage.blobstore import open_blobstore
from soccer_assets.storage.published import PublishedStore
from soccer_serving.settings import ApiSettings


def s3_client(settings: ApiSettings):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        # a reload must fail fast and keep serving the old snapshot, not hang the watcher
        config=Config(connect_timeout=3, read_timeout=20, retries={"max_attempts": 2, "mode": "standard"}),
    )


def open_published_store(settings: ApiSettings) -> PublishedStore:
    return PublishedStore(open_blobstore(settings.storage_url, lambda: s3_client(settings)))
