"""Deployment settings, read from environment variables with the ``SOCCER_`` prefix.

Only non-secret values live here. Credentials (S3 keys, database passwords) are read
by the clients that need them at run time (boto3's standard chain, ``dg.EnvVar``), never
when this module is imported. Defaults are the production values; tests pass their
own ``Settings`` instead of mutating the environment.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from soccer_assets.lib.seasons import Season, last_seasons, parse_season_list

DEFAULT_FOOTBALL_DATA_URL = "https://www.football-data.co.uk/"
DEFAULT_LEAGUES: tuple[str, ...] = ("E0", "D1", "F1", "I1", "SP1")
DEFAULT_SEASON_COUNT = 12
DEFAULT_STORAGE_DIR = "var/store"
DEFAULT_MLFLOW_DIR = "var/mlflow"
DEFAULT_MODEL_FAMILIES: tuple[str, ...] = ("xgboost", "lightgbm", "hgb", "logreg")

# Fonbet's public pre-match line (events/listBase, Russian names, the full market scope);
# the 2019 generation served /line/currentLine/ru with the same content in a flat layout.
DEFAULT_FONBET_URL = "https://line-lb51.bk6bba-resources.com/events/listBase?lang=ru&scopeMarket=1600"
DEFAULT_BROWSER_PATH = "/usr/bin/chromium"

ENV_PREFIX = "SOCCER_"


def _split(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))


@dataclass(frozen=True)
class Settings:
    football_data_url: str = DEFAULT_FOOTBALL_DATA_URL
    leagues: tuple[str, ...] = DEFAULT_LEAGUES
    seasons: tuple[Season, ...] = field(
        default_factory=lambda: tuple(last_seasons(DEFAULT_SEASON_COUNT, dt.date.today()))
    )
    # A folder path, or s3://bucket/prefix on an S3-compatible store.
    storage_url: str = DEFAULT_STORAGE_DIR
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    http_timeout_s: float = 30.0
    http_retries: int = 4
    http_backoff_s: float = 1.0
    # --- model pipeline ---
    # MLflow: a tracking server URL in production; a local SQLite store by default.
    mlflow_tracking_uri: str = f"sqlite:///{DEFAULT_MLFLOW_DIR}/mlflow.db"
    mlflow_artifact_uri: str = f"{DEFAULT_MLFLOW_DIR}/artifacts"
    mlflow_experiment: str = "soccer-1x2"
    # where people open MLflow (links in Dagster metadata); defaults to an http tracking URI
    mlflow_ui_url: str | None = None
    model_name: str = "soccer-1x2"
    training_preset: str = "production"  # or "smoke" (tests, demos)
    model_families: tuple[str, ...] = DEFAULT_MODEL_FAMILIES
    use_market_features: bool = True
    test_seasons: int = 1
    calibration_seasons: int = 1
    # the candidate alias needs holdout log loss <= the model in use's + this
    gate_tolerance: float = 0.002
    # with no model in use, a first version may trail the de-vigged pre-match market by at most this
    gate_floor_tolerance: float = 0.02
    # the gate (and the auto-promotion bootstrap) never decide on fewer holdout matches
    gate_min_matches: int = 300
    # predict leagues the serving model never trained on (flagged on the cards); off by default
    predict_untrained_leagues: bool = False
    # promote a candidate to champion without sign-off when a paired bootstrap says it is better
    auto_promote: bool = False
    # threads per model fit; 1 is fastest on a shared 2-core machine (threads thrash under load)
    n_jobs: int = 1
    seed: int = 0
    # --- bookmaker odds and scraped sources ---
    # Full URL of Fonbet's public line JSON (see DEFAULT_FONBET_URL).
    fonbet_url: str = DEFAULT_FONBET_URL
    # WhoScored is off unless a base URL is set; stages are (league, WhoScored stage id).
    whoscored_url: str | None = None
    whoscored_stages: tuple[tuple[str, int], ...] = ()
    # A remote browser (CDP websocket/HTTP endpoint) wins over launching browser_path.
    browser_cdp_url: str | None = None
    browser_path: str = DEFAULT_BROWSER_PATH
    # Politeness: minimum seconds between two requests to a bookmaker or scraped site.
    min_request_interval_s: float = 5.0
    # --- predictions, monitoring, automation ---
    value_threshold_pp: float = 5.0  # an outcome is a value bet when the model beats the market by more
    retrain_min_new_matches: int = 50  # data-volume sensor: new finished matches since training
    drift_share_threshold: float = 0.3  # drift sensor: share of drifted features that triggers a retrain
    drift_window_days: int = 60  # recent finished matches compared with the training reference
    prometheus_textfile: str = "var/metrics/soccer.prom"
    alert_webhook_url: str | None = None  # run-failure alerts are POSTed here when set
    # schedules and sensors start RUNNING under the daemon; off for a quiet local UI
    automation_on: bool = True
    # Replays of history: treat this UTC time as "now" when stamping predictions (None: the clock).
    as_of: dt.datetime | None = None

    def now(self) -> dt.datetime:
        return self.as_of or dt.datetime.now(dt.UTC)

    @property
    def season_codes(self) -> list[str]:
        return [s.code for s in self.seasons]

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, today: dt.date | None = None) -> Settings:
        env = os.environ if env is None else env
        get = lambda name: (env.get(ENV_PREFIX + name) or "").strip() or None  # noqa: E731
        today = today or dt.date.today()
        storage = get("STORAGE_URL") or DEFAULT_STORAGE_DIR
        if not storage.startswith("s3://"):
            storage = str(Path(storage).expanduser().resolve())
        leagues = _split(get("LEAGUES") or ",".join(DEFAULT_LEAGUES))
        if not leagues:
            raise ValueError("SOCCER_LEAGUES names no league")
        seasons_env = get("SEASONS")
        seasons = parse_season_list(seasons_env) if seasons_env else last_seasons(DEFAULT_SEASON_COUNT, today)
        return cls(
            football_data_url=get("FOOTBALL_DATA_URL") or DEFAULT_FOOTBALL_DATA_URL,
            leagues=leagues,
            seasons=tuple(seasons),
            storage_url=storage,
            s3_endpoint_url=get("S3_ENDPOINT_URL"),
            s3_region=get("S3_REGION"),
            http_timeout_s=float(get("HTTP_TIMEOUT") or 30.0),
            http_retries=int(get("HTTP_RETRIES") or 4),
            http_backoff_s=float(get("HTTP_BACKOFF") or 1.0),
            mlflow_tracking_uri=get("MLFLOW_TRACKING_URI") or _local_sqlite_uri(DEFAULT_MLFLOW_DIR),
            mlflow_artifact_uri=get("MLFLOW_ARTIFACT_URI")
            or str(Path(DEFAULT_MLFLOW_DIR, "artifacts").resolve()),
            mlflow_experiment=get("MLFLOW_EXPERIMENT") or "soccer-1x2",
            mlflow_ui_url=get("MLFLOW_UI_URL"),
            model_name=get("MODEL_NAME") or "soccer-1x2",
            training_preset=get("TRAINING_PRESET") or "production",
            model_families=_split(get("MODEL_FAMILIES") or ",".join(DEFAULT_MODEL_FAMILIES)),
            use_market_features=_flag(get("USE_MARKET_FEATURES"), True),
            test_seasons=int(get("TEST_SEASONS") or 1),
            calibration_seasons=int(get("CALIBRATION_SEASONS") or 1),
            gate_tolerance=float(get("GATE_TOLERANCE") or 0.002),
            gate_floor_tolerance=float(get("GATE_FLOOR_TOLERANCE") or 0.02),
            gate_min_matches=int(get("GATE_MIN_MATCHES") or 300),
            predict_untrained_leagues=_flag(get("PREDICT_UNTRAINED_LEAGUES"), False),
            auto_promote=_flag(get("AUTO_PROMOTE"), False),
            n_jobs=int(get("N_JOBS") or 1),
            seed=int(get("SEED") or 0),
            value_threshold_pp=float(get("VALUE_THRESHOLD_PP") or 5.0),
            retrain_min_new_matches=int(get("RETRAIN_MIN_NEW_MATCHES") or 50),
            drift_share_threshold=float(get("DRIFT_SHARE_THRESHOLD") or 0.3),
            drift_window_days=int(get("DRIFT_WINDOW_DAYS") or 60),
            prometheus_textfile=str(Path(get("PROMETHEUS_TEXTFILE") or "var/metrics/soccer.prom").resolve()),
            alert_webhook_url=get("ALERT_WEBHOOK_URL"),
            automation_on=_flag(get("AUTOMATION"), True),
            as_of=_utc(get("AS_OF")),
            fonbet_url=get("FONBET_URL") or DEFAULT_FONBET_URL,
            whoscored_url=get("WHOSCORED_URL"),
            whoscored_stages=_stages(get("WHOSCORED_STAGES") or ""),
            browser_cdp_url=get("BROWSER_CDP_URL"),
            browser_path=get("BROWSER_PATH") or DEFAULT_BROWSER_PATH,
            min_request_interval_s=float(get("MIN_REQUEST_INTERVAL") or 5.0),
        )


def _flag(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected a boolean (true/false), got {value!r}")


def _utc(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    moment = dt.datetime.fromisoformat(value)
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _local_sqlite_uri(folder: str) -> str:
    return f"sqlite:///{Path(folder).resolve()}/mlflow.db"


def _stages(value: str) -> tuple[tuple[str, int], ...]:
    """``"E0:18685,D1:18688"`` -> ``(("E0", 18685), ("D1", 18688))``."""
    stages = []
    for item in _split(value):
        league, _, stage = item.partition(":")
        if not league or not stage.strip().isdigit():
            raise ValueError(f"SOCCER_WHOSCORED_STAGES: expected LEAGUE:STAGE_ID, got {item!r}")
        stages.append((league.strip(), int(stage)))
    return tuple(stages)
