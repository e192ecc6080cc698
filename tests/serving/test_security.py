"""Keys, CORS, rate limits and the metrics token on a real API process."""

from __future__ import annotations

import pytest

from soccer_serving.security import ApiKeys, RateLimiter, client_address
from soccer_serving.settings import ApiSettings, RateLimit, SettingsError
from tests.serving.conftest import API_KEY, OTHER_KEY, api_process

pytestmark = pytest.mark.slow
PROTECTED = ["/predict/cards", "/predict/model/info", "/monitoring/drift", "/monitoring/system"]
OPEN = ["/healthcheck", "/healthcheck/ready", "/schema/openapi.json", "/metrics"]


@pytest.mark.parametrize("path", PROTECTED)
@pytest.mark.parametrize(
    ("key", "status"), [(None, 401), ("wrong-key-0123456789abcdef", 401), (API_KEY, 200), (OTHER_KEY, 200)]
)
def test_protected_routes_need_a_valid_key(api, path, key, status):
    with api.client(key) as client:
        response = client.get(path)
    assert response.status_code == status, response.text
    if status == 401:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 401 and "X-API-Key" in response.json()["detail"]


@pytest.mark.parametrize("path", OPEN)
def test_health_schema_and_metrics_are_open(api, path):
    with api.client(None) as client:
        assert client.get(path).status_code == 200


def test_cors_allow_list_and_metrics_token(pipeline_store, tmp_path):
    env = {
        "SOCCER_API_CORS_ORIGINS": "https://ui.example.org",
        "SOCCER_API_METRICS_TOKEN": "scrape-token-123",
    }
    with api_process(str(pipeline_store.root), tmp_path, **env) as running, running.client(None) as client:
        preflight = {"Origin": "https://ui.example.org", "Access-Control-Request-Method": "GET"}
        allowed = client.options("/predict/cards", headers=preflight)
        assert allowed.status_code == 204
        assert allowed.headers["access-control-allow-origin"] == "https://ui.example.org"
        assert "x-api-key" in allowed.headers["access-control-allow-headers"]
        refused = client.options("/predict/cards", headers={**preflight, "Origin": "https://evil.example"})
        assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers
        answer = client.get(
            "/predict/cards", headers={"Origin": "https://ui.example.org", "X-API-Key": API_KEY}
        )
        assert answer.headers["access-control-allow-origin"] == "https://ui.example.org"
        foreign = client.get(
            "/predict/cards", headers={"Origin": "https://evil.example", "X-API-Key": API_KEY}
        )
        assert foreign.status_code == 200 and "access-control-allow-origin" not in foreign.headers

        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer scrape-token-123"}).status_code == 200


def test_no_cors_by_default(api):
    with api.client(None) as client:
        response = client.options(
            "/predict/cards",
            headers={"Origin": "https://ui.example.org", "Access-Control-Request-Method": "GET"},
        )
    assert response.status_code == 403 and "access-control-allow-origin" not in response.headers


def test_rate_limit_per_key_then_per_address(pipeline_store, tmp_path):
    with api_process(str(pipeline_store.root), tmp_path, SOCCER_API_RATE_LIMIT="5/minute") as running:
        with running.client(API_KEY) as client:
            statuses = [client.get("/predict/cards", params={"limit": 1}).status_code for _ in range(6)]
            assert statuses == [200] * 5 + [429]
            limited = client.get("/predict/cards")
            assert (
                limited.status_code == 429 and limited.headers["content-type"] == "application/problem+json"
            )
            assert int(limited.headers["retry-after"]) >= 1
            assert limited.headers["ratelimit-limit"] == "5" and limited.headers["ratelimit-remaining"] == "0"
            assert limited.headers["ratelimit-policy"] == "5;w=60"
            assert client.get("/healthcheck/ready").status_code == 200  # health is never limited
        with running.client(OTHER_KEY) as other:  # another key has its own quota
            first = other.get("/predict/cards", params={"limit": 1})
            assert first.status_code == 200 and first.headers["ratelimit-remaining"] == "4"
        with running.client("wrong-key-0123456789abcdef") as stranger:  # no valid key: by address
            assert [stranger.get("/predict/cards").status_code for _ in range(6)] == [401] * 5 + [429]


def test_malformed_input_is_a_4xx_naming_the_parameter(api):
    cases = {
        "/predict/cards?limit=0": "limit",
        "/predict/cards?limit=abc": "limit",
        "/predict/cards?status=soon": "status",
        "/predict/cards?league=XX9": "league",
        "/predict/cards?date_from=2026-13-45": "date_from",
        "/predict/cards?league=e0": "league",
        "/predict/cards?min_edge_pp=nan": "min_edge_pp",
        "/predict/cards?min_region_roi=inf": "min_region_roi",
        "/predict/cards?team=" + "x" * 500: "team",
        "/predict/predictions?offset=-1": "offset",
        "/predict/cards?value_only=perhaps": "value_only",
    }
    with api.client() as client:
        for path, parameter in cases.items():
            response = client.get(path)
            assert response.status_code == 400, (path, response.text)
            body = response.json()
            assert parameter in [p["name"] for p in body["invalid_params"]], (path, body)
        assert client.get("/predict/nothing-here").status_code == 404
        assert client.post("/predict/cards").status_code == 405


# -- the pieces on their own -----------------------------------------------------------------


def test_key_check_finds_the_key_and_nothing_else():
    keys = ApiKeys(["a" * 16, "b" * 16])
    assert keys.identify(b"b" * 16) == 1 and keys.identify(b"a" * 16) == 0
    assert keys.identify(b"a" * 15) is None and keys.identify(None) is None and keys.identify(b"") is None


def test_forwarded_for_is_trusted_only_from_configured_proxies():
    proxies = ApiSettings.from_env({"SOCCER_API_TRUSTED_PROXIES": "10.0.0.0/8"}).trusted_proxies
    assert client_address("10.1.2.3", b"203.0.113.9, 10.4.4.4", proxies) == "203.0.113.9"
    assert client_address("198.51.100.1", b"203.0.113.9", proxies) == "198.51.100.1"  # not a proxy: ignored
    assert client_address("10.1.2.3", b"not-an-ip", proxies) == "10.1.2.3"
    assert client_address("10.1.2.3", b"203.0.113.9", ()) == "10.1.2.3"


def test_rate_limiter_allows_the_quota_then_refills():
    now = [0.0]
    limiter = RateLimiter(RateLimit(3, 60), clock=lambda: now[0])
    decisions = [limiter.hit("a") for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions[:3]] == [2, 1, 0] and decisions[3].retry_after_s == 20
    now[0] = 20.0
    assert limiter.hit("a").allowed and not limiter.hit("a").allowed
    assert limiter.hit("b").allowed  # clients are independent


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SOCCER_API_RATE_LIMIT": "fast"}, "SOCCER_API_RATE_LIMIT"),
        ({"SOCCER_API_KEYS": "short"}, "at least 16"),
        ({"SOCCER_API_CORS_ORIGINS": "ui.example.org"}, "SOCCER_API_CORS_ORIGINS"),
        ({"SOCCER_API_TRUSTED_PROXIES": "proxy"}, "SOCCER_API_TRUSTED_PROXIES"),
        ({"SOCCER_API_RELOAD_S": "soon"}, "SOCCER_API_RELOAD_S"),
        ({"SOCCER_API_KEYS_FILE": "/nonexistent/keys"}, "SOCCER_API_KEYS_FILE"),
    ],
)
def test_bad_settings_name_the_variable(env, message):
    with pytest.raises(SettingsError, match=message):
        ApiSettings.from_env(env)


def test_keys_from_a_mounted_file(tmp_path):
    path = tmp_path / "keys"
    path.write_text("# one key per line\nfile-key-0123456789abcdef\n\n")
    settings = ApiSettings.from_env({"SOCCER_API_KEYS": API_KEY, "SOCCER_API_KEYS_FILE": str(path)})
    assert settings.api_keys == (API_KEY, "file-key-0123456789abcdef")
    assert API_KEY not in repr(settings)


def test_serve_refuses_bad_settings_with_exit_code_2(tmp_path):
    import subprocess

    from tests.serving.conftest import BIN

    done = subprocess.run(
        [BIN / "soccer", "serve", "--port", "1"],
        env={"PATH": "/usr/bin:/bin", "SOCCER_API_RATE_LIMIT": "lots"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "SOCCER_API_RATE_LIMIT" in done.stderr and "Traceback" not in done.stderr
