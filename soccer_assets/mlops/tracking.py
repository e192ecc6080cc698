"""Experiment tracking with an explicit MlflowClient (no global active-run state).

One parent run per asset materialization, tagged with the Dagster run id, asset key and
data version; Optuna trials are nested runs under it (``mlflow.parentRunId`` tag).
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import math
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag
from mlflow.models import infer_signature

from soccer_assets.lib.models.calibration import CalibratedModel
from soccer_assets.lib.models.tuning import TrialRecord
from soccer_assets.mlops.contract import MODEL_ARTIFACT, PROBABILITY_COLUMNS
from soccer_assets.mlops.pyfunc import SoccerModel

# MLflow 3's UI opens an experiment in its GenAI view unless the experiment says it is classic ML
EXPERIMENT_KIND_TAG = "mlflow.experimentKind"
CLASSIC_ML = "custom_model_development"
PIP_REQUIREMENTS = ["numpy", "pandas", "scipy", "scikit-learn", "xgboost-cpu", "lightgbm", "mlflow"]


@functools.lru_cache(maxsize=8)
def _client(tracking_uri: str) -> MlflowClient:
    """One client per store: opening a SQL-backed store checks its schema, which takes seconds."""
    if tracking_uri.startswith("sqlite:///"):  # a local store: make sure its folder exists
        os.makedirs(os.path.dirname(tracking_uri.removeprefix("sqlite:///")) or ".", exist_ok=True)
    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


_EXPERIMENT_IDS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Tracker:
    tracking_uri: str
    experiment: str
    artifact_uri: str | None = None

    @property
    def client(self) -> MlflowClient:
        return _client(self.tracking_uri)

    def experiment_id(self, name: str | None = None) -> str:
        """Id of the experiment, created on first use; looked up once per process and store
        (every Optuna trial asks for it)."""
        name = name or self.experiment
        key = (self.tracking_uri, name)
        if key not in _EXPERIMENT_IDS:
            _EXPERIMENT_IDS[key] = self._find_or_create(name)
        return _EXPERIMENT_IDS[key]

    def _find_or_create(self, name: str) -> str:
        found = self.client.get_experiment_by_name(name)
        if found is not None:
            if found.tags.get(EXPERIMENT_KIND_TAG) != CLASSIC_ML:
                self.client.set_experiment_tag(found.experiment_id, EXPERIMENT_KIND_TAG, CLASSIC_ML)
            return found.experiment_id
        location = None
        if self.artifact_uri:
            location = self.artifact_uri.rstrip("/") + f"/{name}"
            if "://" not in location:
                os.makedirs(location, exist_ok=True)
        return self.client.create_experiment(
            name, artifact_location=location, tags={EXPERIMENT_KIND_TAG: CLASSIC_ML}
        )

    @contextmanager
    def parent_run(
        self, run_name: str, tags: Mapping[str, str], experiment: str | None = None
    ) -> Iterator[str]:
        """A run that ends FINISHED, or FAILED if the block raises."""
        run = self.client.create_run(self.experiment_id(experiment), run_name=run_name, tags=dict(tags))
        try:
            yield run.info.run_id
        except BaseException:
            self.client.set_terminated(run.info.run_id, "FAILED")
            raise
        self.client.set_terminated(run.info.run_id, "FINISHED")

    def log(
        self,
        run_id: str,
        params: Mapping[str, Any] = {},
        metrics: Mapping[str, float] = {},
        tags: Mapping[str, str] = {},
    ) -> None:
        finite = {k: float(v) for k, v in metrics.items() if v is not None and math.isfinite(float(v))}
        self.client.log_batch(
            run_id,
            metrics=[Metric(k, v, 0, 0) for k, v in finite.items()],
            params=[Param(k, str(v)[:6000]) for k, v in params.items()],
            tags=[RunTag(k, str(v)) for k, v in tags.items()],
        )

    def log_trial(self, parent_run_id: str, record: TrialRecord, tags: Mapping[str, str]) -> str:
        """One nested run per Optuna trial, with its parameters and CV scores."""
        run = self.client.create_run(
            self.experiment_id(),
            run_name=f"{record.family}-trial-{record.number}",
            tags={
                **tags,
                "mlflow.parentRunId": parent_run_id,
                "trial_state": record.state,
                "family": record.family,
            },
        )
        metrics = {f"fold_{i + 1}_logloss": v for i, v in enumerate(record.fold_logloss)}
        if record.cv_logloss is not None:
            metrics["cv_logloss"] = record.cv_logloss
        metrics["seconds"] = record.seconds
        self.log(run.info.run_id, params=record.params, metrics=metrics)
        status = "FINISHED" if record.state in ("COMPLETE", "PRUNED") else "FAILED"
        self.client.set_terminated(run.info.run_id, status)
        return run.info.run_id

    def log_json(self, run_id: str, name: str, payload: Any) -> None:
        self.client.log_text(run_id, json.dumps(payload, indent=1, default=str), name)

    def log_model(
        self,
        run_id: str,
        model: CalibratedModel,
        sample: pd.DataFrame,
        registered_name: str | None,
        artifact: str = MODEL_ARTIFACT,
    ) -> tuple[str | None, str]:
        """Log the pyfunc model with its signature and feature list, registered under
        ``registered_name`` unless that is None. Returns (registered version, model URI)."""
        if list(sample.columns) != model.features:
            raise ValueError("the signature sample must have exactly the model's feature columns")
        sample = sample.astype("float64")  # every feature is a float; ints would forbid NaN at serving time
        output = pd.DataFrame(model.predict_proba(sample.to_numpy(np.float64)), columns=PROBABILITY_COLUMNS)
        signature = infer_signature(sample, output)
        mlflow.set_tracking_uri(self.tracking_uri)
        mlflow.set_registry_uri(self.tracking_uri)
        # MLflow prints "Successfully registered model ..." to stderr itself: said by our own metadata
        with mlflow.start_run(run_id=run_id), contextlib.redirect_stderr(io.StringIO()):
            info = mlflow.pyfunc.log_model(
                name=artifact,
                python_model=SoccerModel(model),
                signature=signature,
                input_example=sample.head(3),
                pip_requirements=PIP_REQUIREMENTS,
                registered_model_name=registered_name,
            )
            if artifact == MODEL_ARTIFACT:
                mlflow.log_dict({"features": model.features}, "features.json")
        version = info.registered_model_version
        return (str(version) if version is not None else None), info.model_uri
