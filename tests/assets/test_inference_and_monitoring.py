"""Predictions, cards, backtest, monitoring, publication and sensors on a replay of real history.

The mirror first serves the Premier League as it stood before 20 March 2026 together with
the real fixtures.csv of 27 March 2026; predictions are stamped as of 19 March (the
platform's replay clock). Then it serves the season as of 30 April 2026: the predicted
matches are finished, so quality can be scored on genuine pre-kickoff predictions.
"""

import datetime as dt
import json

import dagster as dg
import polars as pl
import pytest
from prometheus_client.parser import text_string_to_metric_families

from soccer_assets.defs.automation import INFERENCE_JOB
from soccer_assets.defs.ingestion.automation import CANONICAL_JOB
from soccer_assets.defs.metadata import latest_data_version
from soccer_assets.defs.training import TRAINING_JOB
from soccer_assets.defs.training.promotion import PROMOTION_JOB
from soccer_assets.lib.cards import EDGE_COLUMNS, VALUE_COLUMNS
from soccer_assets.pipeline import run_ingestion
from soccer_assets.storage.published import PublishedStore
from tests.assets.conftest import Platform, check_outcomes, materialized, run_job

pytestmark = pytest.mark.slow
E0_2526 = "/mmz4281/2526/E0.csv"
CUTOFF = dt.date(2026, 3, 20)


def _season_before(data: bytes, cutoff: dt.date) -> bytes:
    header, *rows = data.split(b"\r\n")
    kept = [
        r for r in rows if r and dt.datetime.strptime(r.split(b",")[1].decode(), "%d/%m/%Y").date() < cutoff
    ]
    return b"\r\n".join([header, *kept, b""])


def _sensor(platform: Platform, name: str):
    return next(s for s in platform.defs.sensors if s.name == name)


def _queue(platform: Platform, request: dg.RunRequest) -> dg.DagsterRun:
    """What the daemon does with a sensor's request: a run of the training job that has not
    finished (a queued run needs a remote origin, which an in-process test has none of)."""
    job = platform.defs.resolve_job_def(TRAINING_JOB)
    return platform.instance.create_run_for_job(
        job, tags={**job.tags, **request.tags}, status=dg.DagsterRunStatus.NOT_STARTED
    )


def _evaluate(platform: Platform, name: str, cursor: str | None = None):
    """One tick of a sensor against the test's real instance; returns the result and the new cursor."""
    with dg.build_sensor_context(
        instance=platform.instance,
        cursor=cursor,
        definitions=platform.defs,
        resources=platform.defs.resources,
    ) as context:
        result = _sensor(platform, name).evaluate_tick(context)
        return result, result.cursor


def _weekly_tick(platform: Platform):
    schedule = next(s for s in platform.defs.schedules if s.name == "weekly_retrain_schedule")
    with dg.build_schedule_context(
        instance=platform.instance, resources=platform.defs.resources, scheduled_execution_time=None
    ) as context:
        return schedule.evaluate_tick(context)


@pytest.fixture
def replay(model_platform, mirror, football_data_dir):
    full = (football_data_dir / E0_2526.lstrip("/")).read_bytes()
    march = (football_data_dir / "fixtures_snapshots/fixtures_2026-03-27_with_blank_rows.csv").read_bytes()
    mirror.overrides[E0_2526] = _season_before(full, CUTOFF)
    mirror.overrides["/fixtures.csv"] = march
    platform = model_platform(
        as_of=dt.datetime(2026, 3, 19, 12, tzinfo=dt.UTC),
        retrain_min_new_matches=20,
        drift_share_threshold=0.0,
    )
    assert run_ingestion(platform.defs, platform.settings, platform.instance, log=lambda _: None).ok
    return platform, full


def test_predict_publish_then_score_and_react(replay, mirror, tmp_path):
    platform, full_season = replay
    assert run_job(platform, TRAINING_JOB).success
    inference = run_job(platform, INFERENCE_JOB)
    assert inference.success, check_outcomes(inference)
    assert {
        "predictions",
        "prediction_cards",
        "backtest",
        "region_roi",
        "drift_report",
        "publication",
    } <= materialized(inference)

    predictions = platform.table("predictions")
    upcoming = predictions.filter(pl.col("status") == "upcoming")
    fixtures = platform.table("fixtures")
    assert sorted(upcoming["match_id"]) == sorted(fixtures["match_id"])  # every upcoming match predicted
    assert (predictions["model_alias"] == "candidate").all() and (predictions["model_version"] == "1").all()
    assert predictions.filter(pl.col("status") == "finished")["season"].unique().to_list() == ["2526"]

    cards = platform.table("prediction_cards")
    assert cards.height == predictions.height and cards["match_id"].n_unique() == cards.height
    threshold = platform.settings.value_threshold_pp
    for edge, value in zip(EDGE_COLUMNS, VALUE_COLUMNS, strict=True):
        priced = cards.filter(pl.col(edge).is_not_null())
        assert (priced[value] == (priced[edge] > threshold)).all()
    assert set(cards.filter(pl.col("status") == "upcoming")["odds_source"].drop_nulls()) <= {
        "fonbet",
        "football-data:avg",
        "football-data:ps",
        "football-data:b365",
    }

    # what users read is exactly what was computed, from one manifest
    store = PublishedStore(platform.defs.resources["storage"].blobstore())
    publication = store.read_publication(["cards", "region_roi", "predictions"])
    assert publication.tables["cards"].equals(cards)
    assert publication.manifest.model["version"] == "1"
    assert publication.manifest.datasets["cards"].provenance["model"] == "soccer-1x2 v1 (candidate)"

    # the backtest also says what a bettor would have had at one real book's prices
    by_book = platform.latest_metadata("backtest")["summary_by_book"]
    assert "as published" in by_book and "| b365 |" in by_book

    # nothing predicted before kickoff has finished yet
    assert platform.table("quality_metrics").is_empty()

    # ... six weeks later the matches are played
    mirror.overrides[E0_2526] = full_season
    mirror.overrides.pop("/fixtures.csv")
    assert platform.fetch("E0", "2526").success and run_job(platform, CANONICAL_JOB).success
    assert run_job(platform, INFERENCE_JOB).success
    quality = platform.table("quality_metrics")
    overall = quality.filter((pl.col("scope") == "overall") & (pl.col("source") == "model")).row(
        0, named=True
    )
    market = quality.filter((pl.col("scope") == "overall") & (pl.col("source") == "market")).row(
        0, named=True
    )
    scored_ids = set(upcoming["match_id"]) & set(platform.table("matches")["match_id"])
    assert overall["matches"] == market["matches"] == len(scored_ids) > 0  # the same matches
    assert 0.5 < overall["logloss"] < 1.5 and 0.5 < market["logloss"] < 1.5
    assert overall["logloss"] != market["logloss"]
    versions = quality.filter(pl.col("scope") == "model_version")
    assert versions.filter(pl.col("source") == "model")["group"].to_list() == ["1"]
    with open(platform.settings.prometheus_textfile) as fh:
        samples = {
            (s.name, s.labels.get("source"), s.labels.get("scope")): s.value
            for family in text_string_to_metric_families(fh.read())
            for s in family.samples
        }
    assert samples[("soccer_prediction_logloss", "model", "overall")] == pytest.approx(overall["logloss"])
    assert samples[("soccer_prediction_logloss", "market", "overall")] == pytest.approx(market["logloss"])
    assert samples[("soccer_prediction_matches", "model", "overall")] == overall["matches"]
    assert not any(scope == "month" for _, _, scope in samples)  # unbounded series stay out

    # data-volume sensor: enough new results since training -> one retrain for this data
    matches_version = latest_data_version(platform.instance, "matches")
    volume, _ = _evaluate(platform, "retrain_on_new_matches")
    assert [r.run_key for r in volume.run_requests] == [f"new-matches-{matches_version}"]

    # drift sensor (threshold 0 here): the share crosses it, one request for that report
    drift, drift_cursor = _evaluate(platform, "retrain_on_drift")
    assert len(drift.run_requests) == 1 and drift.run_requests[0].tags["soccer/trigger"] == "drift"
    drift_again, _ = _evaluate(platform, "retrain_on_drift", cursor=drift_cursor)
    assert not drift_again.run_requests and "already considered" in drift_again.skip_message

    # promotion moves the champion; the sensor asks for re-prediction exactly once
    assert not _evaluate(platform, "repredict_on_promotion")[0].run_requests  # no champion yet
    promote = run_job(
        platform,
        PROMOTION_JOB,
        run_config={"ops": {"promote_to_champion": {"config": {"approved_by": "bob", "reason": "replay"}}}},
    )
    assert promote.success
    fired, promo_context = _evaluate(platform, "repredict_on_promotion")
    assert [r.run_key for r in fired.run_requests] == ["champion-v1"]
    assert not _evaluate(platform, "repredict_on_promotion", cursor=promo_context)[0].run_requests
    assert run_job(platform, INFERENCE_JOB).success
    assert (platform.table("predictions")["model_alias"] == "champion").all()
    assert json.loads(store.read_artifact("model_info"))["alias"] == "champion"

    # the API answers a finished match with what was predicted before kickoff, whatever came later
    from tests.serving.conftest import api_process

    played = upcoming.filter(pl.col("match_id").is_in(list(scored_ids)))
    before = played.row(0, named=True)
    with api_process(platform.settings.storage_url, tmp_path) as api, api.client() as client:
        answer = client.get(f"/predict/{before['match_id']}").json()
    assert answer["source"] == "logged_before_kickoff" and answer["status"] == "finished"
    assert [answer["prob_home"], answer["prob_draw"], answer["prob_away"]] == pytest.approx(
        [before["prob_home"], before["prob_draw"], before["prob_away"]], abs=1e-12
    )
    assert answer["predicted_at"].startswith("2026-03-19T12:00:00")
    later = platform.table("predictions").filter(pl.col("match_id") == before["match_id"])
    assert later.height == 1 and later["prob_home"][0] != pytest.approx(before["prob_home"], abs=1e-6)

    # both retrain sensors fire together: the daemon queues the first request, the second waits
    queued = _queue(platform, volume.run_requests[0])
    assert "still queued or running" in _evaluate(platform, "retrain_on_drift")[0].skip_message
    # the queued run counts as the newest training: its matches are not new any more
    assert not _evaluate(platform, "retrain_on_new_matches")[0].run_requests
    assert "still queued or running" in _weekly_tick(platform).skip_message  # the schedule waits too
    platform.instance.delete_run(queued.run_id)  # ... and runs it, here in this process
    trained = platform.defs.resolve_job_def(TRAINING_JOB).execute_in_process(
        instance=platform.instance, raise_on_error=False, tags=volume.run_requests[0].tags
    )
    assert trained.success
    assert run_job(platform, INFERENCE_JOB).success  # the retrain's downstream refresh: a new drift report
    after, _ = _evaluate(platform, "retrain_on_drift", cursor=drift_cursor)
    assert not after.run_requests and "same drift episode" in after.skip_message
    volume_after, _ = _evaluate(platform, "retrain_on_new_matches")
    assert not volume_after.run_requests
    assert (
        "already trained on matches version" in volume_after.skip_message
        or "0 new" in volume_after.skip_message
    )
