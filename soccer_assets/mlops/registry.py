"""The model registry: versions of one registered model with ``candidate`` / ``champion`` aliases.

``candidate`` is set by the gate (an asset check). ``champion`` changes only through
``promote``: a manual sign-off (who and why) or the automatic policy. Every promotion is
recorded three ways: the alias, tags on the promoted version, and a run in the
``<experiment>-promotions`` experiment, so the history reads as a table in MLflow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import mlflow
import mlflow.pyfunc
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException

from soccer_assets.mlops.contract import CANDIDATE, CHAMPION, HOLDOUT_URI_TAG
from soccer_assets.mlops.tracking import Tracker


class PromotionError(RuntimeError):
    pass


class RegistryUnavailable(RuntimeError):
    """The registry did not answer; never to be read as "no such alias"."""


def _absent(exc: MlflowException) -> bool:
    """Only a "does not exist" answer means absent (no model yet, or the alias is not set)."""
    if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
        return True
    return exc.error_code == "INVALID_PARAMETER_VALUE" and "alias" in str(exc) and "not found" in str(exc)


@dataclass(frozen=True)
class Registry:
    tracker: Tracker
    model_name: str

    def version_for(self, alias: str) -> ModelVersion | None:
        """The version ``alias`` points to, None if it points nowhere; RegistryUnavailable if
        the registry could not say (a transient error must not look like "no champion")."""
        try:
            return self.tracker.client.get_model_version_by_alias(self.model_name, alias)
        except MlflowException as exc:
            if _absent(exc):
                return None
            raise RegistryUnavailable(
                f"the model registry at {self.tracker.tracking_uri} did not answer for alias {alias!r}: {exc}"
            ) from exc
        except Exception as exc:  # transport errors the client did not wrap
            raise RegistryUnavailable(
                f"the model registry at {self.tracker.tracking_uri} is unreachable: "
                f"{type(exc).__name__}: {exc}"
            ) from exc

    def alias_version(self, alias: str) -> str | None:
        """The version number (as text, as everywhere here) an alias points to."""
        found = self.version_for(alias)
        return str(found.version) if found is not None else None

    def version(self, version: str) -> ModelVersion:
        return self.tracker.client.get_model_version(self.model_name, str(version))

    def newest_versions(self, limit: int = 20) -> list[ModelVersion]:
        """The ``limit`` newest versions, newest first (refused ones too); [] before the first."""
        try:
            found = self.tracker.client.search_model_versions(
                f"name = '{self.model_name}'", max_results=limit, order_by=["version_number DESC"]
            )
        except MlflowException as exc:
            if _absent(exc):
                return []
            raise RegistryUnavailable(f"the model registry at {self.tracker.tracking_uri}: {exc}") from exc
        return sorted(found, key=lambda v: int(v.version), reverse=True)

    def model_in_use(self) -> tuple[str, ModelVersion] | None:
        """The champion, else the candidate (with the alias that was used), else None."""
        for alias in (CHAMPION, CANDIDATE):
            found = self.version_for(alias)
            if found is not None:
                return alias, found
        return None

    def load(self, version: str) -> Any:
        """The registered pyfunc of ``version`` (the model that serves)."""
        mlflow.set_tracking_uri(self.tracker.tracking_uri)
        mlflow.set_registry_uri(self.tracker.tracking_uri)
        return mlflow.pyfunc.load_model(f"models:/{self.model_name}/{version}")  # version: int or str

    def load_holdout(self, version: str) -> Any:
        """The holdout-protocol model of ``version`` (what the gate and the evaluation judge).

        Versions registered before the serving refit existed are their own holdout model.
        """
        uri = self.version(version).tags.get(HOLDOUT_URI_TAG)
        if uri is None:
            return self.load(version)
        mlflow.set_tracking_uri(self.tracker.tracking_uri)
        return mlflow.pyfunc.load_model(uri)

    def set_alias(self, alias: str, version: str) -> None:
        self.tracker.client.set_registered_model_alias(self.model_name, alias, version)

    def tag(self, version: str, tags: dict[str, Any]) -> None:
        for key, value in tags.items():
            self.tracker.client.set_model_version_tag(self.model_name, version, key, str(value))

    @property
    def promotions_experiment(self) -> str:
        return f"{self.tracker.experiment}-promotions"

    def promote(
        self,
        version: str,
        approved_by: str,
        reason: str,
        policy: str = "manual",
        evidence: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        if not approved_by.strip() or not reason.strip():
            raise PromotionError("a promotion needs who approved it and why")
        self.version(version)  # raises if the version does not exist
        previous_version = self.alias_version(CHAMPION)
        if previous_version == str(version):
            raise PromotionError(f"version {version} is already the champion")
        when = dt.datetime.now(dt.UTC).isoformat()
        record = {
            "model": self.model_name,
            "version": version,
            "previous_champion": previous_version or "",
            "approved_by": approved_by,
            "reason": reason,
            "policy": policy,
            "promoted_at": when,
        }
        tags = {"promotion." + k: v for k, v in record.items() if k != "model"}
        with self.tracker.parent_run(
            f"promote-v{version}", tags, experiment=self.promotions_experiment
        ) as run_id:
            self.tracker.log(
                run_id, params=record, metrics={k: v for k, v in (evidence or {}).items() if _number(v)}
            )
            if evidence:
                self.tracker.log_json(run_id, "evidence.json", evidence)
        self.set_alias(CHAMPION, version)
        self.tag(
            version,
            {"promoted_by": approved_by, "promotion_reason": reason, "promoted_at": when, "policy": policy},
        )
        return record

    def promotion_history(self) -> list[dict[str, str]]:
        experiment = self.tracker.client.get_experiment_by_name(self.promotions_experiment)
        if experiment is None:
            return []
        runs = self.tracker.client.search_runs(
            [experiment.experiment_id], order_by=["attributes.start_time ASC"]
        )
        return [dict(run.data.params) for run in runs]


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
