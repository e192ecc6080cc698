"""The Helm chart helm/soccer: lint, render, strict Kubernetes schemas, checkov, Dagster's own
validation of the rendered instance configuration. No cluster is reachable here, so nothing is
installed: these are the checks that can run on one machine."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pytest
import yaml

from tests.deploy.tools import CHART, DEPLOY, REPO_ROOT, run, tool

VALUES = {
    "default": [],
    "production": ["-f", str(CHART / "ci" / "production-values.yaml")],
    "minimal": ["-f", str(CHART / "ci" / "minimal-values.yaml")],
}
RELEASE, NAMESPACE = "soccer", "soccer"
PRODUCTION = yaml.safe_load((CHART / "ci" / "production-values.yaml").read_text())


@functools.cache
def render_text(values: str, *extra: str) -> str:
    result = run(
        [tool("helm"), "template", RELEASE, CHART, "--namespace", NAMESPACE, *VALUES[values], *extra]
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def render(values: str, *extra: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(render_text(values, *extra)) if doc]


def by_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def containers(docs: list[dict]) -> list[tuple[str, dict]]:
    return [
        (doc["metadata"]["name"], container)
        for doc in docs
        if doc["kind"] == "Deployment"
        for container in doc["spec"]["template"]["spec"]["containers"]
    ]


@pytest.mark.parametrize("values", VALUES)
def test_helm_lint_strict(values: str) -> None:
    result = run([tool("helm"), "lint", "--strict", CHART, *VALUES[values]])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 chart(s) failed" in result.stdout


@pytest.mark.parametrize("values", VALUES)
def test_rendered_manifests_pass_strict_kubernetes_schemas(values: str, tmp_path: Path) -> None:
    manifest = tmp_path / f"{values}.yaml"
    manifest.write_text(render_text(values))
    result = run([tool("kubernetes-validate"), "--strict", "-k", "1.31", manifest])
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    docs = render(values)
    passed = [line for line in output.splitlines() if " passed for resource " in line]
    custom = [doc for doc in docs if doc["apiVersion"].startswith("monitoring.coreos.com/")]
    assert len(passed) == len(docs) - len(custom), output
    # custom resources (Prometheus Operator) have no schema: a warning, nothing else
    warnings = [line for line in output.splitlines() if line.startswith("WARN")]
    assert len(warnings) == len(custom), output
    assert all("monitoring.coreos.com/v1" in line for line in warnings), output


def test_kubernetes_validate_rejects_a_wrong_manifest(tmp_path: Path) -> None:
    """The schema check above can fail: a misspelt field is an error under --strict."""
    docs = render("default")
    deployment = next(doc for doc in docs if doc["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {"tcpSocket": {"port": 1}}
    manifest = tmp_path / "broken.yaml"
    manifest.write_text(yaml.safe_dump(deployment))
    result = run([tool("kubernetes-validate"), "--strict", "-k", "1.31", manifest])
    assert result.returncode != 0, result.stdout


def test_components_per_values_set() -> None:
    deployments = {values: set(by_kind(render(values), "Deployment")) for values in VALUES}
    dagster = {"soccer-dagster-webserver", "soccer-dagster-daemon", "soccer-dagster-code"}
    assert deployments["default"] == {"soccer-api", "soccer-ui", *dagster}
    assert deployments["production"] == {"soccer-api", "soccer-ui", "soccer-mlflow", *dagster}
    assert deployments["minimal"] == {"soccer-api", "soccer-ui"}
    production = render("production")
    assert set(by_kind(production, "ServiceMonitor")) == {"soccer-api"}
    assert set(by_kind(production, "PrometheusRule")) == {"soccer"}
    assert set(by_kind(production, "HorizontalPodAutoscaler")) == {"soccer-api"}
    assert set(by_kind(production, "PodDisruptionBudget")) == {"soccer-api"}
    minimal = render("minimal")
    for kind in ("HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "Role", "ServiceMonitor"):
        assert not by_kind(minimal, kind), kind
    assert by_kind(minimal, "Deployment")["soccer-api"]["spec"]["replicas"] == 1


@pytest.mark.parametrize("values", VALUES)
def test_the_chart_creates_no_secret_and_every_object_is_namespaced(values: str) -> None:
    docs = render(values)
    assert not [doc for doc in docs if doc["kind"] == "Secret"]
    assert all(doc["metadata"]["namespace"] in (NAMESPACE, "soccer-runs") for doc in docs)


def test_a_missing_secret_name_is_an_error() -> None:
    for setting in ("api.keysSecret=", "ui.apiKeySecret=", "dagsterPostgresql.passwordSecret="):
        result = run([tool("helm"), "template", RELEASE, CHART, "--set", setting])
        assert result.returncode != 0, setting
        assert "must name an existing Secret" in result.stderr, result.stderr


@pytest.mark.parametrize("values", VALUES)
def test_every_container_is_non_root_read_only_bounded_and_probed(values: str) -> None:
    docs = render(values)
    for name, container in containers(docs):
        security = container["securityContext"]
        assert security["runAsNonRoot"] is True, name
        assert security["readOnlyRootFilesystem"] is True, name
        assert security["allowPrivilegeEscalation"] is False, name
        assert security["capabilities"]["drop"] == ["ALL"], name
        assert {"cpu", "memory"} <= set(container["resources"]["limits"]), name
        assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
        assert "livenessProbe" in container and "readinessProbe" in container, name
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"], name
    for doc in by_kind(docs, "Deployment").values():
        pod = doc["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert {"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}} in pod["volumes"]


def test_api_probes_commands_and_secrets() -> None:
    docs = render("production")
    api = by_kind(docs, "Deployment")["soccer-api"]["spec"]["template"]["spec"]
    container = api["containers"][0]
    assert container["command"] == ["soccer", "serve"]
    assert container["args"] == ["--host=0.0.0.0", "--port=8000", "--workers=2"]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthcheck/", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/healthcheck/ready", "port": "http"}
    env = {item["name"]: item for item in container["env"]}
    assert env["SOCCER_API_KEYS_FILE"]["value"] == "/var/run/secrets/soccer/api-keys/keys"
    assert env["SOCCER_API_METRICS_TOKEN"]["valueFrom"]["secretKeyRef"] == {
        "name": "soccer-api-metrics-token",
        "key": "token",
    }
    assert env["SOCCER_API_TRUSTED_PROXIES"]["value"] == "10.0.0.0/8"
    keys = next(volume for volume in api["volumes"] if volume["name"] == "api-keys")
    assert keys["secret"]["secretName"] == "soccer-api-keys"
    assert api["automountServiceAccountToken"] is False
    config = by_kind(docs, "ConfigMap")["soccer-env"]["data"]
    assert config["SOCCER_STORAGE_URL"] == "s3://soccer-prod/store"
    assert config["SOCCER_S3_ENDPOINT_URL"] == "https://s3.eu-central-1.amazonaws.com"
    assert config["SOCCER_MLFLOW_TRACKING_URI"] == "http://soccer-mlflow:5000"
    assert config["SOCCER_LEAGUES"] == "E0,D1,F1,I1,SP1"
    assert all(key.startswith("SOCCER_") for key in config)


def test_ui_talks_to_the_api_over_http() -> None:
    ui = by_kind(render("default"), "Deployment")["soccer-ui"]["spec"]["template"]["spec"]["containers"][0]
    assert ui["command"] == ["soccer", "ui"]
    env = {item["name"]: item for item in ui["env"]}
    assert env["SOCCER_UI_API_URL"]["value"] == "http://soccer-api:8000"
    assert env["SOCCER_UI_API_KEY"]["valueFrom"]["secretKeyRef"] == {
        "name": "soccer-ui-api-key",
        "key": "key",
    }
    assert env["SOCCER_UI_HOST"]["value"] == "0.0.0.0"


def test_dagster_roles_and_run_launcher_permissions() -> None:
    docs = render("production")
    deployments = by_kind(docs, "Deployment")
    code = deployments["soccer-dagster-code"]["spec"]["template"]["spec"]
    assert code["containers"][0]["command"][:3] == ["dagster", "api", "grpc"]
    assert "--module-name=soccer_assets.definitions" in code["containers"][0]["command"]
    env = {item["name"]: item for item in code["containers"][0]["env"]}
    assert env["DAGSTER_CURRENT_IMAGE"]["value"] == "registry.example.org/soccer/platform:2026.12.1"
    assert code["automountServiceAccountToken"] is False
    for role in ("webserver", "daemon"):
        spec = deployments[f"soccer-dagster-{role}"]["spec"]["template"]["spec"]
        assert spec["serviceAccountName"] == "soccer"
    assert deployments["soccer-dagster-daemon"]["spec"]["replicas"] == 1
    role = by_kind(docs, "Role")["soccer-dagster-runs"]
    assert role["metadata"]["namespace"] == "soccer-runs"
    # run pods in another namespace find the instance, the settings and their service account there
    placed = {(doc["kind"], doc["metadata"]["name"], doc["metadata"]["namespace"]) for doc in docs}
    for kind, name in (
        ("ConfigMap", "soccer-dagster-instance"),
        ("ConfigMap", "soccer-env"),
        ("ServiceAccount", "soccer"),
    ):
        assert {(kind, name, "soccer"), (kind, name, "soccer-runs")} <= placed, (kind, name)
    binding = by_kind(docs, "RoleBinding")["soccer-dagster-runs"]
    assert {(s["name"], s["namespace"]) for s in binding["subjects"]} == {
        ("soccer", "soccer"),
        ("soccer", "soccer-runs"),
    }
    jobs = next(rule for rule in role["rules"] if rule["apiGroups"] == ["batch"])
    assert {"create", "delete", "watch"} <= set(jobs["verbs"])
    workspace = yaml.safe_load(
        by_kind(docs, "ConfigMap")["soccer-dagster-instance"]["data"]["workspace.yaml"]
    )
    server = workspace["load_from"][0]["grpc_server"]
    assert (server["host"], server["port"]) == ("soccer-dagster-code", 4000)
    assert "soccer-dagster-code" in by_kind(docs, "Service")


def test_ingress_rate_limits_come_from_values() -> None:
    ingress = by_kind(render("production"), "Ingress")["soccer"]
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/limit-rps"] == "30"
    assert annotations["nginx.ingress.kubernetes.io/limit-burst-multiplier"] == "4"
    assert annotations["nginx.ingress.kubernetes.io/limit-connections"] == "40"
    assert annotations["cert-manager.io/cluster-issuer"] == "letsencrypt"
    hosts = {
        rule["host"]: rule["http"]["paths"][0]["backend"]["service"]["name"]
        for rule in ingress["spec"]["rules"]
    }
    assert hosts == {
        "api.soccer.example.org": "soccer-api",
        "soccer.example.org": "soccer-ui",
        "dagster.soccer.example.org": "soccer-dagster-webserver",
    }
    changed = render("production", "--set", "ingress.rateLimit.rps=7")
    assert (
        by_kind(changed, "Ingress")["soccer"]["metadata"]["annotations"][
            "nginx.ingress.kubernetes.io/limit-rps"
        ]
        == "7"
    )


def test_network_policies_cover_every_listening_pod() -> None:
    docs = render("production")
    policies = by_kind(docs, "NetworkPolicy")
    selected = {
        policy["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/component")
        for policy in policies.values()
    }
    components = {
        doc["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"]
        for doc in by_kind(docs, "Deployment").values()
    }
    assert components - {"dagster-daemon"} <= selected
    api = policies["soccer-api"]["spec"]["ingress"][0]
    assert api["ports"] == [{"port": 8000, "protocol": "TCP"}]
    assert len(api["from"]) == 3  # the release's pods, the ingress controller, Prometheus


def test_monitoring_objects_carry_the_project_rules_and_dashboards() -> None:
    docs = render("production")
    rule = by_kind(docs, "PrometheusRule")["soccer"]
    assert rule["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert rule["spec"] == yaml.safe_load((DEPLOY / "prometheus" / "rules.yml").read_text())
    monitor = by_kind(docs, "ServiceMonitor")["soccer-api"]
    endpoint = monitor["spec"]["endpoints"][0]
    assert endpoint["path"] == "/metrics" and endpoint["port"] == "http"
    assert {"action": "replace", "targetLabel": "job", "replacement": "soccer-api"} in endpoint["relabelings"]
    assert endpoint["authorization"]["credentials"] == {"name": "soccer-api-metrics-token", "key": "token"}
    dashboards = {
        name: doc
        for name, doc in by_kind(docs, "ConfigMap").items()
        if "grafana_dashboard" in doc["metadata"]["labels"]
    }
    assert len(dashboards) == 2
    for doc in dashboards.values():
        assert doc["metadata"]["labels"]["grafana_dashboard"] == "1"
        ((filename, text),) = doc["data"].items()
        assert text.strip() == (DEPLOY / "grafana" / filename).read_text().strip()


def test_chart_copies_equal_the_deploy_files() -> None:
    """Helm reads only files inside the chart: helm/soccer/files holds copies of deploy/'s rules
    and dashboards, which must stay byte-identical (cp deploy/... helm/soccer/files/...)."""
    pairs = [(DEPLOY / "prometheus" / "rules.yml", CHART / "files" / "prometheus" / "rules.yml")]
    sources = sorted((DEPLOY / "grafana").glob("*.json"))
    assert [path.name for path in sources] == sorted(
        path.name for path in (CHART / "files" / "grafana").glob("*")
    )
    pairs += [(path, CHART / "files" / "grafana" / path.name) for path in sources]
    for source, copy in pairs:
        assert copy.read_bytes() == source.read_bytes(), f"{copy} differs: cp {source} {copy}"


def _checkov(target: Path, framework: str, config: bool = True) -> tuple[int, str]:
    command = [tool("checkov"), "-d", target, "--framework", framework, "--skip-download", "--compact"]
    if config:
        command += ["--config-file", CHART / ".checkov.yaml"]
    tool("helm")  # checkov's helm runner calls helm from PATH
    result = run(command, timeout=600)
    return result.returncode, result.stdout + result.stderr


def test_checkov_passes_on_the_chart() -> None:
    code, output = _checkov(CHART, "helm")
    assert code == 0, output
    assert "Failed checks: 0" in output, output
    assert "Passed checks: " in output and "Passed checks: 0," not in output, output


def test_checkov_passes_on_the_production_render(tmp_path: Path) -> None:
    (tmp_path / "production.yaml").write_text(render_text("production"))
    code, output = _checkov(tmp_path, "kubernetes")
    assert code == 0, output
    assert "Failed checks: 0" in output, output


def test_every_checkov_skip_is_needed_and_justified(tmp_path: Path) -> None:
    """Without .checkov.yaml exactly its skipped checks fail (each one has a reason above it)."""
    config = yaml.safe_load((CHART / ".checkov.yaml").read_text())
    lines = (CHART / ".checkov.yaml").read_text().splitlines()
    for check in config["skip-check"]:
        index = lines.index(f"  - {check}")
        assert lines[index - 1].strip().startswith("#"), f"{check} has no justification"
    chart = tmp_path / "soccer"
    shutil.copytree(CHART, chart)
    (chart / ".checkov.yaml").unlink()
    code, output = _checkov(chart, "helm", config=False)
    assert code != 0
    lines = output.splitlines()
    failed = {
        line.split(":")[1].strip()
        for line, following in zip(lines, lines[1:], strict=False)
        if line.startswith("Check: ") and "FAILED for resource" in following
    }
    assert failed == set(config["skip-check"]), output
    for doc in render("production"):
        for key, reason in doc["metadata"].get("annotations", {}).items():
            if key.startswith("checkov.io/skip"):
                assert "=" in reason and len(reason.split("=", 1)[1]) > 40, reason


# --- the rendered dagster.yaml through Dagster's own validation ---------------------------


def _instance_yaml(values: str) -> str:
    return by_kind(render(values), "ConfigMap")["soccer-dagster-instance"]["data"]["dagster.yaml"]


def _validate_instance(folder: Path, text: str) -> dict:
    """Dagster's instance schema, then each configurable class's own config schema (the run
    launcher's is dagster_k8s.K8sRunLauncher.config_type()), with env sources resolved."""
    from dagster._config import process_config
    from dagster._core.errors import DagsterInvalidConfigError
    from dagster._core.instance.config import dagster_instance_config
    from dagster._serdes.config_class import class_from_code_pointer

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dagster.yaml").write_text(text)
    config, custom_class = dagster_instance_config(str(folder))
    assert custom_class is None
    for key in ("run_launcher", "compute_logs", "local_artifact_storage"):
        if key in config:
            cls = class_from_code_pointer(config[key]["module"], config[key]["class"])
            result = process_config(cls.config_type(), config[key].get("config") or {})
            if not result.success:
                raise DagsterInvalidConfigError(f"{key}: {cls.__name__}", result.errors, config[key])
    return config


@pytest.mark.parametrize("values", ["default", "production"])
def test_rendered_dagster_yaml_passes_dagster_validation(values: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", "not-a-real-password")
    config = _validate_instance(tmp_path / values, _instance_yaml(values))
    assert config["run_launcher"]["module"] == "dagster_k8s"
    assert config["run_launcher"]["class"] == "K8sRunLauncher"
    launcher = config["run_launcher"]["config"]
    assert launcher["instance_config_map"] == "soccer-dagster-instance"
    assert launcher["postgres_password_secret"] == "dagster-postgresql"
    assert launcher["dagster_home"] == "/opt/dagster/dagster_home"
    assert "soccer-env" in launcher["env_config_maps"]
    postgres = config["storage"]["postgres"]["postgres_db"]
    assert postgres["scheme"] == "postgresql+psycopg2"
    assert postgres["password"] == {"env": "DAGSTER_PG_PASSWORD"}
    assert config["concurrency"]["runs"]["tag_concurrency_limits"][0]["key"] == "soccer/queue"
    # a run whose Job pod died is failed and gives its pool slots back, never resumed half-way
    monitoring = config["run_monitoring"]
    assert monitoring["enabled"] is True and monitoring["max_resume_run_attempts"] == 0
    assert monitoring["free_slots_after_run_end_seconds"] > 0
    # DAGSTER_HOME in the Dagster pods is where the ConfigMap is mounted
    for name, container in containers(render(values)):
        if name.startswith("soccer-dagster-"):
            env = {item["name"]: item.get("value") for item in container["env"]}
            mounts = {mount["name"]: mount["mountPath"] for mount in container["volumeMounts"]}
            assert env["DAGSTER_HOME"] == mounts["instance"] == launcher["dagster_home"]
    if values == "production":
        assert launcher["job_namespace"] == "soccer-runs"
        assert launcher["env_secrets"] == ["soccer-s3"]
        assert config["compute_logs"]["class"] == "S3ComputeLogManager"
        assert postgres["params"] == {"sslmode": "require"}
    else:
        assert config["compute_logs"]["class"] == "NoOpComputeLogManager"


def test_dagster_validation_rejects_a_wrong_run_launcher_config(tmp_path: Path, monkeypatch) -> None:
    """The check above can fail: a key K8sRunLauncher does not know, a missing required one."""
    from dagster._core.errors import DagsterInvalidConfigError

    monkeypatch.setenv("DAGSTER_PG_PASSWORD", "x")
    config = yaml.safe_load(_instance_yaml("default"))
    config["run_launcher"]["config"]["job_namespce"] = "typo"
    with pytest.raises(DagsterInvalidConfigError, match="job_namespce"):
        _validate_instance(tmp_path / "typo", yaml.safe_dump(config))
    config = yaml.safe_load(_instance_yaml("default"))
    del config["run_launcher"]["config"]["instance_config_map"]
    with pytest.raises(DagsterInvalidConfigError, match="instance_config_map"):
        _validate_instance(tmp_path / "missing", yaml.safe_dump(config))
    config = yaml.safe_load(_instance_yaml("default"))
    config["storage"]["postgres"]["postgres_db"]["shceme"] = "postgresql"
    with pytest.raises(DagsterInvalidConfigError):
        _validate_instance(tmp_path / "storage", yaml.safe_dump(config))


def test_values_files_only_map_soccer_settings() -> None:
    """Every application setting the chart passes is a SOCCER_* variable that an entry point
    reads: documented in README (Configuration, HTTP API) or read by soccer_ui/settings.py."""
    readme = (REPO_ROOT / "README.md").read_text()
    ui_settings = (REPO_ROOT / "soccer_ui" / "settings.py").read_text()

    def known(name: str) -> bool:
        if name.startswith("SOCCER_UI_"):
            return f'"{name.removeprefix("SOCCER_")}"' in ui_settings
        return f"`{name}`" in readme

    for values in VALUES:
        docs = render(values)
        names = {key for key in by_kind(docs, "ConfigMap")["soccer-env"]["data"]}
        for _, container in containers(docs):
            names |= {item["name"] for item in container.get("env", []) if item["name"].startswith("SOCCER_")}
        unknown = sorted(name for name in names if not known(name))
        assert not unknown, (values, unknown)


@pytest.mark.slow
def test_the_rendered_instance_storage_works_on_a_real_postgresql(tmp_path: Path, monkeypatch) -> None:
    """The chart's storage section (postgres_db, scheme postgresql+psycopg2) opens a real
    Dagster instance on the local PostgreSQL: schema created, a run stored and read back. The
    run launcher is left out: K8sRunLauncher loads the in-cluster config, and no cluster is here."""
    from urllib.parse import urlsplit

    import dagster as dg

    from tests.services import postgres_database

    with postgres_database() as url:
        parts = urlsplit(url)
        rendered = render(
            "production",
            "--set",
            f"dagsterPostgresql.host={parts.hostname}",
            "--set",
            f"dagsterPostgresql.port={parts.port}",
            "--set",
            f"dagsterPostgresql.username={parts.username}",
            "--set",
            f"dagsterPostgresql.database={parts.path.lstrip('/')}",
            "--set",
            "dagsterPostgresql.params.sslmode=disable",
        )
        config = yaml.safe_load(
            by_kind(rendered, "ConfigMap")["soccer-dagster-instance"]["data"]["dagster.yaml"]
        )
        assert config["storage"]["postgres"]["postgres_db"]["hostname"] == parts.hostname
        del config["run_launcher"], config["compute_logs"]
        config["local_artifact_storage"]["config"]["base_dir"] = str(tmp_path / "storage")
        home = tmp_path / "home"
        home.mkdir()
        (home / "dagster.yaml").write_text(yaml.safe_dump(config))
        monkeypatch.setenv("DAGSTER_PG_PASSWORD", parts.password or "trust-auth-ignores-it")
        instance = dg.DagsterInstance.from_config(str(home))
        try:
            assert type(instance.run_storage).__name__ == "PostgresRunStorage"
            assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"

            @dg.op
            def noop() -> int:
                return 1

            @dg.job
            def chart_instance_check():
                noop()

            result = chart_instance_check.execute_in_process(instance=instance)
            assert result.success
            assert [run.job_name for run in instance.get_runs()] == ["chart_instance_check"]
        finally:
            instance.dispose()
