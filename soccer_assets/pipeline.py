"""Headless materialization of the asset graph, in the order a backfill would use.

Used by the ``soccer`` command and by ``bench/``: it runs the very jobs defined in the
code location against a Dagster instance, so every run shows up in ``dagster dev``
(same ``DAGSTER_HOME``) with its materializations and check results.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
import polars as pl

from soccer_assets.defs.ingestion.automation import CANONICAL_JOB, RAW_RESULTS_JOB
from soccer_assets.defs.ingestion.partitions import partition_key
from soccer_assets.resources.storage import read_asset_table
from soccer_assets.run_recovery import process_tags, reap_dead_runs
from soccer_assets.settings import Settings
from soccer_assets.storage.blobstore import LocalBlobStore


@dataclass
class RunSummary:
    fetched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    failed_runs: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed_runs

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": len(self.fetched),
            "missing": self.missing,
            "failed_runs": self.failed_runs,
            "failed_checks": self.failed_checks,
            **self.tables,
        }


def _materialized(result: dg.ExecuteInProcessResult, asset: str) -> bool:
    return any(
        e.asset_key == dg.AssetKey(asset) for e in result.get_asset_materialization_events() if e.asset_key
    )


def first_failure_reason(result: dg.ExecuteInProcessResult) -> str:
    """One line on why a run failed: its first failed check's description, else its first
    failed step's error, else where to look."""
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION" and not event.event_specific_data.passed:
            description = (event.event_specific_data.description or "").strip()
            if description:
                return description.splitlines()[0]
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            error = event.event_specific_data.error
            if error is not None and error.message:
                return (
                    error.message.strip()
                    .splitlines()[0]
                    .removeprefix("dagster._core.definitions.events.Failure: ")
                )
    return f"see run {result.run_id}"


def _failed_checks(result: dg.ExecuteInProcessResult) -> list[str]:
    failed = []
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                failed.append(f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}")
    return failed


def quiet_run_config(level: str = "WARNING") -> dict[str, Any]:
    """Run config that keeps Dagster's per-event console log down to ``level``."""
    return {"loggers": {"console": {"config": {"log_level": level}}}}


def run_ingestion(
    defs: dg.Definitions,
    settings: Settings,
    instance: dg.DagsterInstance,
    log: Callable[[str], None] = print,
    run_config: dict[str, Any] | None = None,
) -> RunSummary:
    """Fetch every configured league-season, then rebuild fixtures and the canonical tables.

    Says once what each league gave: the seasons fetched, each unpublished season (404) once,
    and a league nothing was published for in one line.
    """
    summary = RunSummary()
    reap_dead_runs(instance, log=lambda line: log(f"  {line}"))
    store = defs.resources["storage"].blobstore()
    if isinstance(store, LocalBlobStore):
        for path in store.sweep_temp_files():
            log(f"removed a temporary file a killed write left behind: {path}")
    results_job = defs.resolve_job_def(RAW_RESULTS_JOB)
    for league in settings.leagues:
        fetched, missing = [], []
        for season in settings.seasons:
            key = partition_key(league, season)
            result = results_job.execute_in_process(
                partition_key=key,
                instance=instance,
                raise_on_error=False,
                run_config=run_config,
                tags=process_tags(),
            )
            summary.failed_checks += _failed_checks(result)
            if not result.success:
                summary.failed_runs.append(f"raw_football_data[{key}]")
                reason = first_failure_reason(result)
                log(f"  {league} {season.label} rejected: {reason} (run {result.run_id})")
            elif _materialized(result, "raw_football_data"):
                summary.fetched.append(f"{league}/{season.code}")
                fetched.append(season.label)
            else:
                summary.missing.append(f"{league}/{season.code}")
                missing.append(season.label)
        if missing and not fetched:
            log(f"  {league}: nothing published for any of the {len(missing)} seasons asked (404)")
            continue
        if fetched:
            log(f"  {league}: {len(fetched)} season(s) fetched, {fetched[0]}..{fetched[-1]}")
        for label in missing:
            log(f"  {league} {label}: not published (404)")
    result = defs.resolve_job_def(CANONICAL_JOB).execute_in_process(
        instance=instance, raise_on_error=False, run_config=run_config, tags=process_tags()
    )
    summary.failed_checks += _failed_checks(result)
    if not result.success:
        summary.failed_runs.append(CANONICAL_JOB)
    for table in ("matches", "fixtures"):
        if _materialized(result, table):
            summary.tables[table] = load_table(defs, table).height
    return summary


def load_table(defs: dg.Definitions, asset: str) -> pl.DataFrame:
    """Read a stored (unpartitioned) asset table outside of a run."""
    return read_asset_table(defs.resources["storage"], dg.AssetKey(asset))


@dataclass
class StageResult:
    name: str
    success: bool
    run_id: str
    failed_checks: list[str] = field(default_factory=list)


def run_job(
    defs: dg.Definitions, name: str, instance: dg.DagsterInstance, run_config: dict[str, Any] | None = None
) -> StageResult:
    result = defs.resolve_job_def(name).execute_in_process(
        instance=instance, raise_on_error=False, run_config=run_config, tags=process_tags()
    )
    return StageResult(name, result.success, result.run_id, _failed_checks(result))


@dataclass
class PipelineResult:
    ingestion: RunSummary
    stages: list[StageResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Ingestion, training and inference succeeded (Fonbet may fail: cards fall back)."""
        return self.ingestion.ok and all(s.success for s in self.stages if s.name != "fonbet")

    @property
    def failed(self) -> StageResult | None:
        return next((s for s in self.stages if not s.success and s.name != "fonbet"), None)


def run_all(
    defs: dg.Definitions,
    settings: Settings,
    instance: dg.DagsterInstance,
    log: Callable[[str], None] = print,
    run_config: dict[str, Any] | None = None,
    ingestion_run_config: dict[str, Any] | None = None,
    train: bool = True,
) -> PipelineResult:
    """What ``soccer run`` does: ingest, the Fonbet line, training, then inference to the publication.

    Stops at the first failed stage after ingestion (Fonbet excepted: without it the cards
    use football-data's pre-match prices). ``train=False`` predicts with the model in use.
    ``ingestion_run_config`` (default ``run_config``) is used for the many partition runs.
    """
    from soccer_assets.defs.automation import INFERENCE_JOB
    from soccer_assets.defs.odds.automation import FONBET_JOB
    from soccer_assets.defs.training import TRAINING_JOB

    log(f"== ingest football-data.co.uk from {settings.football_data_url}")
    partitions = ingestion_run_config if ingestion_run_config is not None else run_config
    result = PipelineResult(run_ingestion(defs, settings, instance, log=log, run_config=partitions))
    if not result.ingestion.ok:
        return result
    log(f"== Fonbet line from {settings.fonbet_url}")
    odds = run_job(defs, FONBET_JOB, instance, run_config)
    result.stages.append(StageResult("fonbet", odds.success, odds.run_id, odds.failed_checks))
    if not odds.success:
        log("   Fonbet unavailable: cards fall back to football-data pre-match odds")
    for job in (TRAINING_JOB, INFERENCE_JOB) if train else (INFERENCE_JOB,):
        log(f"== {job} (preset {settings.training_preset})" if job == TRAINING_JOB else f"== {job}")
        stage = run_job(defs, job, instance, run_config)
        result.stages.append(stage)
        if not stage.success:
            log(f"   {job} failed (run {stage.run_id}); failed checks: {stage.failed_checks}")
            break
    return result


def _backtest_row(rows: list[dict[str, Any]], strategy: str) -> dict[str, Any]:
    row = next((r for r in rows if r["strategy"] == strategy), None)
    if row is None:  # no bet of that kind: said as 0, not left out
        return {"bets": 0, "yield": None, "yield_ci": None, "hit_rate": None}
    return {
        "bets": row["bets"],
        "yield": round(row["yield"], 4),
        "yield_ci": [round(row["yield_ci_low"], 4), round(row["yield_ci_high"], 4)],
        "hit_rate": round(row["hit_rate"], 4),
    }


def publication_summary(defs: dg.Definitions, settings: Settings | None = None) -> dict[str, Any]:
    """What the main command prints: the serving model and why, predicted matches, value bets,
    both backtests, quality, leagues the model could not predict."""
    from soccer_assets.storage.published import PublishedStore

    store = PublishedStore(defs.resources["storage"].blobstore())
    manifest = store.manifest()
    if manifest is None:
        return {"published": False}
    cards = store.read_table("cards", manifest)
    upcoming = cards.filter(pl.col("status") == "upcoming")
    roi = store.read_table("region_roi", manifest).filter(pl.col("level") == "overall").to_dicts()
    has_card = "model_info" in manifest.datasets
    card = json.loads(store.read_artifact("model_info", manifest)) if has_card else {}
    alias = manifest.model.get("alias")
    why = (
        "champion (signed off)"
        if alias == "champion"
        else "candidate: no champion yet (sign one off with `soccer promote`)"
    )
    trained = set(card.get("train_leagues") or [])
    configured = set(settings.leagues) if settings else set()
    summary: dict[str, Any] = {
        "published": manifest.publication_id,
        "model": manifest.model,
        "serving": f"{manifest.model.get('name')} v{manifest.model.get('version')}, {why}",
        "upcoming_predicted": upcoming.height,
        "upcoming_value_bets": int(upcoming["value_outcome"].is_not_null().sum()),
        "upcoming_with_odds": int(upcoming["odds_source"].is_not_null().sum()),
        "backtest": {strategy: _backtest_row(roi, strategy) for strategy in ("all_picks", "value_bets")},
    }
    if trained:
        summary["leagues_without_training_data"] = sorted(configured - trained)
        summary["untrained_leagues_predicted"] = sorted(
            set(upcoming.filter(~pl.col("league_trained"))["league"].unique().to_list())
        )
    if "quality" in manifest.datasets:
        quality = store.read_table("quality", manifest)
        overall = quality.filter((pl.col("scope") == "overall") & (pl.col("source") == "model"))
        summary["quality"] = (
            {k: round(v, 4) if isinstance(v, float) else v for k, v in overall.row(0, named=True).items()}
            if overall.height
            else "no finished match had a logged pre-kickoff prediction yet"
        )
    return summary


@contextmanager
def throwaway_ingestion(
    env: Mapping[str, str], log: Callable[[str], None] = lambda _: None
) -> Iterator[tuple[Settings, dg.Definitions, dg.DagsterInstance, RunSummary]]:
    """Ingest what ``env`` (SOCCER_* variables) names into a temporary store and an ephemeral
    instance, for benchmarks: the production assets, nothing kept afterwards."""
    from soccer_assets.definitions import build_definitions  # the code location imports this module's deps

    with tempfile.TemporaryDirectory(prefix="soccer-bench-") as store:
        settings = Settings.from_env({**env, "SOCCER_STORAGE_URL": store})
        defs = build_definitions(settings)
        with dg.DagsterInstance.ephemeral() as instance:
            summary = run_ingestion(defs, settings, instance, log=log, run_config=quiet_run_config("ERROR"))
            yield settings, defs, instance, summary
