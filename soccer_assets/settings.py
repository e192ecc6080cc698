"""Deployment settings, read from environment variables with the ``SOCCER_`` prefix.

Only non-secret values live here. Credentials (S3 keys, database passwords) are read
by the clients that need them at run time (boto3's standard chain, ``dg.EnvVar``), never
when this module is imported. Defaults are the production values; tests pass their
own ``Settings`` instead of mutating the environment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from soccer_assets.config import EnvReader, SettingsError, environment
from soccer_assets.lib.cpus import usable_cpus
from soccer_assets.lib.leagues import LEAGUES
from soccer_assets.lib.models.presets import FAMILIES, PRESETS
from soccer_assets.lib.seasons import Season, last_seasons, parse_season_list

DEFAULT_FOOTBALL_DATA_URL = "https://www.football-data.co.uk/"
DEFAULT_LEAGUES: tuple[str, ...] = ("E0", "D1", "F1", "I1", "SP1")
DEFAULT_SEASON_COUNT = 12
DEFAULT_STORAGE_DIR = "var/store"
DEFAULT_MLFLOW_DIR = "var/mlflow"
DEFAULT_MODEL_FAMILIES: tuple[str, ...] = FAMILIES
# MLflow tracking stores a URI may name (a plain path is a local file store)
MLFLOW_STORE_SCHEMES = (
    "sqlite",
    "http",
    "https",
    "file",
    "postgresql",
    "postgresql+psycopg2",
    "mysql",
    "databricks",
)
__all__ = ["Settings", "SettingsError"]

# Fonbet's public pre-match line (events/listBase, Russian names, the full market scope);
# the 2019 generation served /line/currentLine/ru with the same content in a flat layout.
DEFAULT_FONBET_URL = "https://line-lb51.bk6bba-resources.com/events/listBase?lang=ru&scopeMarket=1600"
DEFAULT_BROWSER_PATH = "/usr/bin/chromium"


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
    max_download_mb: float = 20.0  # a larger body is refused, never read whole into memory
    # --- model pipeline ---
    # MLflow: a tracking server URL in production; a local SQLite store by default.
    mlflow_tracking_uri: str = f"sqlite:///{DEFAULT_MLFLOW_DIR}/mlflow.db"
    mlflow_artifact_uri: str | None = f"{DEFAULT_MLFLOW_DIR}/artifacts"  # None: the tracking server's
    mlflow_experiment: str = "soccer-1x2"
    # where people open MLflow (links in Dagster metadata); defaults to an http tracking URI
    mlflow_ui_url: str | None = None
    model_name: str = "soccer-1x2"
    training_preset: str = "production"  # or "smoke" (tests, demos)
    model_families: tuple[str, ...] = DEFAULT_MODEL_FAMILIES
    use_market_features: bool = True
    # the last-stage blend with the market (lib/models/calibration.py): off until it pays on the
    # development seasons (docs/model_quality.md); on, a model that hands over to the market
    # shows no value bets
    market_blend: bool = False
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
    # the one cap on every native thread pool of a fit (OpenMP, BLAS, XGBoost, LightGBM);
    # default: the CPUs this process may use (affinity and cgroup quota), not the host's cores
    n_jobs: int = field(default_factory=usable_cpus)
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
    drift_cooldown_days: float = 7.0  # drift sensor: while drift persists, at most one retrain per this
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
        """Settings from ``env``, or from the settings file + process environment when None.

        Every value is checked here, once: a bad one raises SettingsError naming it.
        """
        read = EnvReader(environment() if env is None else env)
        today = today or dt.date.today()
        storage = read.text("STORAGE_URL", DEFAULT_STORAGE_DIR)
        if storage.startswith("s3://"):
            read.url("STORAGE_URL", None, schemes=("s3",))
        else:
            storage = str(Path(storage).expanduser().resolve())
        seasons = read.parsed(
            "SEASONS",
            last_seasons(DEFAULT_SEASON_COUNT, today),
            parse_season_list,
            "expected season codes like 2324,2425 or a range like 1415-2526",
        )
        tracking = read.text("MLFLOW_TRACKING_URI", _local_sqlite_uri(DEFAULT_MLFLOW_DIR))
        if "://" in tracking:
            read.url("MLFLOW_TRACKING_URI", None, schemes=MLFLOW_STORE_SCHEMES, need_host=False)
        textfile = read.text("PROMETHEUS_TEXTFILE", "var/metrics/soccer.prom")
        if not textfile.endswith(".prom"):
            raise read.fail("PROMETHEUS_TEXTFILE", textfile, "node-exporter only reads files ending in .prom")
        return cls(
            football_data_url=read.url("FOOTBALL_DATA_URL", DEFAULT_FOOTBALL_DATA_URL)
            or DEFAULT_FOOTBALL_DATA_URL,
            leagues=read.choices("LEAGUES", DEFAULT_LEAGUES, LEAGUES, "league code"),
            seasons=tuple(seasons),
            storage_url=storage,
            s3_endpoint_url=read.url("S3_ENDPOINT_URL", None),
            s3_region=read.optional("S3_REGION"),
            http_timeout_s=read.number("HTTP_TIMEOUT", 30.0, minimum=0.1),
            http_retries=read.integer("HTTP_RETRIES", 4, minimum=0),
            http_backoff_s=read.number("HTTP_BACKOFF", 1.0, minimum=0.0),
            max_download_mb=read.number("MAX_DOWNLOAD_MB", 20.0, minimum=0.001),
            mlflow_tracking_uri=tracking,
            # a tracking server decides where artifacts go (its --artifacts-destination); a local
            # default there would make every run pod write to its own disk
            mlflow_artifact_uri=read.optional("MLFLOW_ARTIFACT_URI")
            or (
                None
                if tracking.startswith(("http://", "https://"))
                else str(Path(DEFAULT_MLFLOW_DIR, "artifacts").resolve())
            ),
            mlflow_experiment=read.text("MLFLOW_EXPERIMENT", "soccer-1x2"),
            mlflow_ui_url=read.url("MLFLOW_UI_URL", None),
            model_name=read.text("MODEL_NAME", "soccer-1x2"),
            training_preset=read.choice("TRAINING_PRESET", "production", PRESETS),
            model_families=read.choices("MODEL_FAMILIES", DEFAULT_MODEL_FAMILIES, FAMILIES, "model family"),
            use_market_features=read.flag("USE_MARKET_FEATURES", True),
            market_blend=read.flag("MARKET_BLEND", False),
            test_seasons=read.integer("TEST_SEASONS", 1, minimum=1),
            calibration_seasons=read.integer("CALIBRATION_SEASONS", 1, minimum=1),
            gate_tolerance=read.number("GATE_TOLERANCE", 0.002),
            gate_floor_tolerance=read.number("GATE_FLOOR_TOLERANCE", 0.02),
            gate_min_matches=read.integer("GATE_MIN_MATCHES", 300, minimum=1),
            predict_untrained_leagues=read.flag("PREDICT_UNTRAINED_LEAGUES", False),
            auto_promote=read.flag("AUTO_PROMOTE", False),
            n_jobs=read.integer("N_JOBS", usable_cpus(), minimum=1),
            seed=read.integer("SEED", 0),
            value_threshold_pp=read.number("VALUE_THRESHOLD_PP", 5.0, minimum=0.0, maximum=100.0),
            retrain_min_new_matches=read.integer("RETRAIN_MIN_NEW_MATCHES", 50, minimum=1),
            drift_share_threshold=read.number("DRIFT_SHARE_THRESHOLD", 0.3, minimum=0.0, maximum=1.0),
            drift_window_days=read.integer("DRIFT_WINDOW_DAYS", 60, minimum=1),
            drift_cooldown_days=read.number("DRIFT_COOLDOWN_DAYS", 7.0, minimum=0.0),
            prometheus_textfile=str(Path(textfile).resolve()),
            alert_webhook_url=read.url("ALERT_WEBHOOK_URL", None),
            automation_on=read.flag("AUTOMATION", True),
            as_of=read.moment("AS_OF"),
            fonbet_url=read.url("FONBET_URL", DEFAULT_FONBET_URL) or DEFAULT_FONBET_URL,
            whoscored_url=read.url("WHOSCORED_URL", None),
            whoscored_stages=read.parsed(
                "WHOSCORED_STAGES", (), _stages, "expected LEAGUE:STAGE_ID pairs, e.g. E0:18685"
            ),
            browser_cdp_url=read.url("BROWSER_CDP_URL", None, schemes=("http", "https", "ws", "wss")),
            browser_path=read.text("BROWSER_PATH", DEFAULT_BROWSER_PATH),
            min_request_interval_s=read.number("MIN_REQUEST_INTERVAL", 5.0, minimum=0.0),
        )


def _local_sqlite_uri(folder: str) -> str:
    return f"sqlite:///{Path(folder).resolve()}/mlflow.db"


def _stages(value: str) -> tuple[tuple[str, int], ...]:
    """``"E0:18685,D1:18688"`` -> ``(("E0", 18685), ("D1", 18688))``."""
    stages = []
    for item in (v.strip() for v in value.split(",") if v.strip()):
        league, _, stage = item.partition(":")
        if not league or not stage.strip().isdigit():
            raise ValueError(f"{item!r} is not LEAGUE:STAGE_ID")
        stages.append((league.strip(), int(stage)))
    return tuple(stages)
