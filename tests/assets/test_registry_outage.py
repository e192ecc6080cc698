"""A registry that stops answering is an error, never "no champion yet" (a real mlflow server)."""

import pytest

from soccer_assets.defs.training import TRAINING_JOB
from soccer_assets.mlops.contract import CANDIDATE, CHAMPION
from soccer_assets.mlops.registry import Registry, RegistryUnavailable
from soccer_assets.mlops.tracking import Tracker
from soccer_assets.pipeline import quiet_run_config, run_ingestion
from tests.assets.conftest import check_outcomes
from tests.services import mlflow_server

pytestmark = pytest.mark.slow


def test_a_stopped_registry_fails_the_gate_instead_of_passing_it(model_platform, tmp_path):
    with mlflow_server(tmp_path) as server:
        platform = model_platform(mlflow_tracking_uri=server.url, mlflow_artifact_uri=None)
        assert run_ingestion(platform.defs, platform.settings, platform.instance, log=lambda _: None).ok
        train = platform.defs.resolve_job_def(TRAINING_JOB)
        assert train.execute_in_process(instance=platform.instance, run_config=quiet_run_config()).success
        registry = platform.defs.resources["mlflow"].registry()
        assert registry.alias_version(CANDIDATE) == "1" and registry.alias_version(CHAMPION) is None

        server.stop()  # mid-run: the next call finds nobody listening
        with pytest.raises(RegistryUnavailable, match="did not answer|unreachable"):
            registry.model_in_use()
        with pytest.raises(RegistryUnavailable):
            registry.alias_version(CHAMPION)
        gate = train.execute_in_process(
            instance=platform.instance,
            raise_on_error=False,
            op_selection=["final_model_candidate_gate_check"],
            run_config=quiet_run_config(),
        )
        assert not gate.success and check_outcomes(gate).get("candidate_gate_check") is not True

    # what the stopped server holds: the candidate is still v1, nothing was recorded as "no champion"
    offline = Registry(
        Tracker(tracking_uri=server.backend_uri, experiment=platform.settings.mlflow_experiment), "soccer-1x2"
    )
    assert offline.alias_version(CANDIDATE) == "1" and offline.alias_version(CHAMPION) is None
    assert offline.version("1").tags["gate"] == "passed"
