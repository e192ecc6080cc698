"""The registry gate: a blocking check that decides whether a new model version becomes ``candidate``."""

from typing import Any

import dagster as dg
import numpy as np
import polars as pl

from soccer_assets.lib.metrics import log_losses
from soccer_assets.lib.models.gate import candidate_gate, paired_bootstrap, should_auto_promote
from soccer_assets.lib.models.training import prepare
from soccer_assets.mlops.contract import CANDIDATE, CHAMPION, PROBABILITY_COLUMNS, to_model_input
from soccer_assets.resources.mlflow import MlflowResource
from soccer_assets.settings import Settings

AUTO_APPROVER = "policy:paired-bootstrap"


def _holdout_losses(model: Any, test: pl.DataFrame, features: list[str]) -> np.ndarray:
    probs = model.predict(to_model_input(test, features))[PROBABILITY_COLUMNS].to_numpy()
    return log_losses(probs, test["target"].to_numpy().astype(np.int64))


def _input_names(model: Any) -> list[str]:
    return list(model.metadata.get_input_schema().input_names())


def build_training_checks(
    settings: Settings, final_model: dg.AssetsDefinition
) -> list[dg.AssetChecksDefinition]:
    @dg.asset_check(
        asset=final_model,
        blocking=True,
        additional_ins={"match_features": dg.AssetIn(), "time_splits": dg.AssetIn()},
        description=(
            "Gate: the new version gets the `candidate` alias only if its holdout log loss is no worse than "
            "the current champion's on the same matches plus SOCCER_GATE_TOLERANCE. With SOCCER_AUTO_PROMOTE "
            "on, a candidate that a paired bootstrap finds better becomes champion."
        ),
    )
    def candidate_gate_check(
        context: dg.AssetCheckExecutionContext,
        final_model: dict,
        match_features: pl.DataFrame,
        time_splits: pl.DataFrame,
        mlflow: MlflowResource,
    ) -> dg.AssetCheckResult:
        registry = mlflow.registry()
        version = final_model["version"]
        test = prepare(match_features, time_splits, []).test
        candidate = registry.load(version)
        new_losses = _holdout_losses(candidate, test, _input_names(candidate))
        champion = registry.alias_version(CHAMPION)
        old_losses = None
        metadata: dict[str, Any] = {"model_version": version, "holdout_matches": test.height}
        if champion is not None and champion != str(version):
            champion_model = registry.load(champion)
            needed = _input_names(champion_model)
            missing = [c for c in needed if c not in test.columns]
            if missing:
                registry.tag(version, {"gate": "failed: champion not comparable"})
                return dg.AssetCheckResult(
                    passed=False,
                    description=f"champion v{champion} needs features that no longer exist ({missing[:5]}); "
                    "compare and promote manually",
                    metadata=metadata,
                )
            old_losses = _holdout_losses(champion_model, test, needed)
            metadata["champion_version"] = champion
        decision = candidate_gate(new_losses, old_losses, settings.gate_tolerance)
        metadata |= {
            "candidate_logloss": decision.candidate_logloss,
            "champion_logloss": decision.champion_logloss
            if decision.champion_logloss is not None
            else "none",
            "tolerance": decision.tolerance,
        }
        if not decision.passed:
            registry.tag(version, {"gate": "failed"})
            return dg.AssetCheckResult(passed=False, description=decision.reason, metadata=metadata)
        registry.set_alias(CANDIDATE, version)
        registry.tag(version, {"gate": "passed"})
        if settings.auto_promote and old_losses is not None:
            comparison = paired_bootstrap(new_losses, old_losses, seed=settings.seed)
            metadata |= {
                "bootstrap_improvement": comparison.mean_improvement,
                "bootstrap_ci_low": comparison.ci_low,
                "bootstrap_ci_high": comparison.ci_high,
            }
            if should_auto_promote(comparison):
                registry.promote(
                    version,
                    approved_by=AUTO_APPROVER,
                    reason=f"holdout log loss better by {comparison.mean_improvement:.4f} "
                    f"(95% CI {comparison.ci_low:.4f}..{comparison.ci_high:.4f})",
                    policy="auto",
                    evidence=metadata,
                )
                metadata["auto_promoted"] = True
                context.log.info(f"version {version} promoted to champion by the paired-bootstrap policy")
        return dg.AssetCheckResult(passed=True, description=decision.reason, metadata=metadata)

    return [candidate_gate_check]
