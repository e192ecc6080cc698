"""The registry gate: a blocking check that decides whether a new model version becomes ``candidate``."""

from typing import Any

import dagster as dg
import numpy as np
import polars as pl

from soccer_assets.lib.evaluation import base_rates, forecasts_frame
from soccer_assets.lib.metrics import log_losses
from soccer_assets.lib.models.gate import Floor, candidate_gate, paired_bootstrap, should_auto_promote
from soccer_assets.lib.models.training import prepare
from soccer_assets.mlops.contract import CANDIDATE, PROBABILITY_COLUMNS, to_model_input
from soccer_assets.resources.mlflow import MlflowResource
from soccer_assets.settings import Settings

AUTO_APPROVER = "policy:paired-bootstrap"
OUTCOMES = ("home", "draw", "away")


def _probabilities(model: Any, test: pl.DataFrame, features: list[str]) -> np.ndarray:
    return model.predict(to_model_input(test, features))[PROBABILITY_COLUMNS].to_numpy()


def _input_names(model: Any) -> list[str]:
    return list(model.metadata.get_input_schema().input_names())


def _losses(frame: pl.DataFrame, source: str) -> np.ndarray:
    probs = frame.select([f"{source}_{o}" for o in OUTCOMES]).to_numpy()
    return log_losses(probs, frame["target"].to_numpy().astype(np.int64))


def build_training_checks(
    settings: Settings, final_model: dg.AssetsDefinition
) -> list[dg.AssetChecksDefinition]:
    @dg.asset_check(
        asset=final_model,
        blocking=True,
        additional_ins={"match_features": dg.AssetIn(), "time_splits": dg.AssetIn(), "matches": dg.AssetIn()},
        description=(
            "Gate: the new version's holdout model is scored on the holdout matches beside the model in use "
            "(champion, else candidate) and gets `candidate` only if its log loss is no worse than that "
            "model's plus SOCCER_GATE_TOLERANCE. With nothing in use it must not trail league base rates, "
            "nor the de-vigged pre-match market by more than SOCCER_GATE_FLOOR_TOLERANCE. Fewer than "
            "SOCCER_GATE_MIN_MATCHES holdout matches fail. With SOCCER_AUTO_PROMOTE, a paired bootstrap "
            "that finds the candidate better promotes it."
        ),
    )
    def candidate_gate_check(
        context: dg.AssetCheckExecutionContext,
        final_model: dict,
        match_features: pl.DataFrame,
        time_splits: pl.DataFrame,
        matches: pl.DataFrame,
        mlflow: MlflowResource,
    ) -> dg.AssetCheckResult:
        registry = mlflow.registry()
        version = str(final_model["version"])
        data = prepare(match_features, time_splits, [])
        # the registry must answer: an outage is a failed check, never "nothing in use"
        in_use = registry.model_in_use()
        candidate = registry.load_holdout(version)
        new_probs = _probabilities(candidate, data.test, _input_names(candidate))
        forecasts = forecasts_frame(data.test, new_probs, matches, base_rates(data.train))
        same = forecasts.drop_nulls(
            [f"{s}_{o}" for s in ("model", "base_rates", "market_pre") for o in OUTCOMES]
        )
        new_losses = _losses(same, "model")
        metadata: dict[str, Any] = {"model_version": version, "holdout_matches": same.height}
        old_losses, compared_with = None, "nothing in use"
        if in_use is not None and str(in_use[1].version) != version:
            alias, current = in_use[0], str(in_use[1].version)
            current_model = registry.load_holdout(current)
            needed = _input_names(current_model)
            missing = [c for c in needed if c not in data.test.columns]
            if missing:
                registry.tag(version, {"gate": f"failed: {alias} v{current} not comparable"})
                return dg.AssetCheckResult(
                    passed=False,
                    description=f"{alias} v{current} needs features that no longer exist ({missing[:5]}); "
                    "compare and promote manually",
                    metadata=metadata,
                )
            keep = data.test["match_id"].is_in(same["match_id"].implode()).to_numpy()
            old_probs = _probabilities(current_model, data.test, needed)[keep]
            old_losses = log_losses(old_probs, same["target"].to_numpy().astype(np.int64))
            compared_with = f"{alias} v{current}"
            metadata[f"{alias}_version"] = current
        floors = [
            Floor("base_rates", _losses(same, "base_rates"), 0.0),
            Floor("market_pre", _losses(same, "market_pre"), settings.gate_floor_tolerance),
        ]
        decision = candidate_gate(
            new_losses,
            old_losses,
            settings.gate_tolerance,
            in_use=compared_with.split(" ")[0],
            floors=floors,
            min_matches=settings.gate_min_matches,
        )
        metadata |= {
            "compared_with": compared_with,
            "candidate_logloss": decision.candidate_logloss,
            "in_use_logloss": decision.champion_logloss if decision.champion_logloss is not None else "none",
            "tolerance": decision.tolerance,
            "min_matches": settings.gate_min_matches,
            **{f"floor_{name}_logloss": value for name, value in (decision.floors or {}).items()},
        }
        if not decision.passed:
            registry.tag(version, {"gate": f"failed: {decision.reason}"[:250]})
            return dg.AssetCheckResult(passed=False, description=decision.reason, metadata=metadata)
        registry.set_alias(CANDIDATE, version)
        registry.tag(version, {"gate": "passed"})
        if settings.auto_promote and old_losses is not None and in_use is not None and in_use[0] != CANDIDATE:
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
