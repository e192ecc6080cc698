"""Where MLflow artifacts go: the tracking server's choice unless the settings say otherwise."""

from soccer_assets.settings import Settings


def test_a_tracking_server_keeps_its_artifact_destination():
    # a local default would send every Kubernetes run pod's artifacts to its own disk
    settings = Settings.from_env({"SOCCER_MLFLOW_TRACKING_URI": "http://mlflow:5000"})
    assert settings.mlflow_artifact_uri is None


def test_a_local_store_gets_a_local_artifact_folder_and_an_explicit_uri_wins():
    local = Settings.from_env({"SOCCER_MLFLOW_TRACKING_URI": "sqlite:///var/mlflow/mlflow.db"})
    assert local.mlflow_artifact_uri is not None and local.mlflow_artifact_uri.endswith(
        "var/mlflow/artifacts"
    )
    explicit = Settings.from_env(
        {"SOCCER_MLFLOW_TRACKING_URI": "http://mlflow:5000", "SOCCER_MLFLOW_ARTIFACT_URI": "s3://b/mlflow"}
    )
    assert explicit.mlflow_artifact_uri == "s3://b/mlflow"
