"""Where the ``predictions`` asset leaves the serving model for the publication to publish."""

from __future__ import annotations

import json

from soccer_assets.lib.models.serving import ServingArtifact
from soccer_assets.storage.blobstore import BlobStore

ROOT = "assets/serving_model"


def serving_key(version: str, part: str = "descriptor.json") -> str:
    return f"{ROOT}/v{version}/{part}"


def save_serving_artifact(blobs: BlobStore, artifact: ServingArtifact) -> None:
    """Descriptor and estimator of one version (atomic puts; a version's bytes never change)."""
    version = str(artifact.descriptor["version"])
    blobs.put(serving_key(version, "estimator.bin"), artifact.estimator)
    blobs.put(serving_key(version), artifact.descriptor_json())


def load_serving_artifact(blobs: BlobStore, version: str) -> ServingArtifact:
    descriptor = json.loads(blobs.get(serving_key(version)))
    return ServingArtifact(descriptor, blobs.get(serving_key(version, "estimator.bin")))
