"""The card of a registered model version: what the published ``model_info`` tells readers.

Everything comes from the registry and the version's own training run (tags, params, the
``features.json`` and ``evaluation.json`` it logged), so a card describes the version that
serves, not whichever model was trained last. Versions trained before a field existed
simply lack it (null), they are never filled in from another version.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mlflow.exceptions import MlflowException

from soccer_assets.mlops.registry import Registry

CARD_TAGS = (
    "family",
    "holdout_logloss",
    "trained_through",
    "finished_matches_at_training",
    "data_version",
    "gate",
    "promoted_by",
    "promotion_reason",
    "promoted_at",
)


def _run_json(registry: Registry, run_id: str, name: str) -> Any:
    try:
        with tempfile.TemporaryDirectory(prefix="soccer-card-") as folder:
            path = registry.tracker.client.download_artifacts(run_id, name, folder)
            return json.loads(Path(path).read_text())
    except (MlflowException, OSError, ValueError):
        return None


def _seasons(value: str | None) -> list[str] | None:
    return [s for s in value.split(",") if s] if value else None


def model_card(
    registry: Registry, version: str, alias: str | None, run_url: Callable[[str], str | None]
) -> dict[str, Any]:
    """name, version, alias, family, training window and seasons, holdout evaluation, features."""
    found = registry.version(version)
    tags = dict(found.tags)
    run_id = found.run_id
    params = dict(registry.tracker.client.get_run(run_id).data.params) if run_id else {}
    features = _run_json(registry, run_id, "features.json") if run_id else None
    evaluation = _run_json(registry, run_id, "evaluation.json") if run_id else None
    created = (
        dt.datetime.fromtimestamp(found.creation_timestamp / 1000, dt.UTC)
        if found.creation_timestamp
        else None
    )
    return {
        "name": registry.model_name,
        "version": str(found.version),
        "alias": alias,
        **{key: tags.get(key) for key in CARD_TAGS},
        "registered_at": created.isoformat() if created else None,
        "train_seasons": _seasons(params.get("train_seasons")),
        "calibration_seasons": _seasons(params.get("calibration_seasons")),
        "test_seasons": _seasons(params.get("test_seasons")),
        "train_leagues": _seasons(tags.get("train_leagues")),
        "serving_fit_seasons": _seasons(tags.get("serving_fit_seasons")),
        "serving_calibration_seasons": _seasons(tags.get("serving_calibration_seasons")),
        "temperature": float(params["temperature"]) if "temperature" in params else None,
        "features": (features or {}).get("features"),
        "evaluation": evaluation,
        "mlflow_run_id": run_id,
        "mlflow_run_url": run_url(run_id) if run_id else None,
    }
