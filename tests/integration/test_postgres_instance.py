"""The documented PostgreSQL instance (deploy/dagster.postgres.yaml) against a real server."""

import shutil

import dagster as dg
import psycopg2
import pytest

from soccer_assets.definitions import build_definitions
from tests.assets.conftest import Platform
from tests.conftest import REPO_ROOT, make_settings
from tests.services import postgres_database

pytestmark = pytest.mark.slow


def test_materialize_with_dagster_postgres(tmp_path, mirror, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "deploy" / "dagster.postgres.yaml", home / "dagster.yaml")
    with postgres_database() as url:
        monkeypatch.setenv("SOCCER_DAGSTER_PG_URL", url)
        settings = make_settings(mirror.url, str(tmp_path / "store"), ("E0",), ["2324"])
        with dg.DagsterInstance.from_config(str(home)) as instance:
            assert "Postgres" in type(instance.run_storage).__name__
            platform = Platform(settings, build_definitions(settings), instance)
            assert platform.fetch("E0", "2324").success
            assert platform.canonical().success
            assert platform.table("matches").height == 380
            assert len(instance.get_runs()) == 2

        connection = psycopg2.connect(url.replace("+psycopg2", ""))
        with connection, connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION' "
                "AND asset_key LIKE %s",
                ('%"matches"%',),
            )
            assert cur.fetchone()[0] == 1
            cur.execute("SELECT count(*) FROM asset_check_executions WHERE execution_status = 'SUCCEEDED'")
            assert cur.fetchone()[0] >= 4
        connection.close()
