"""The API's keys, rate limit, sessions, local mode and resistance to hostile filters."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from loaders import config
from serving import keys, settings
from serving.app import create_app
from serving.reader import SnapshotReader
from serving.security import SESSION_COOKIE
from tests.support.operations import one_line_error, run_script
from tests.support.serving import client_for, settings_for

HOSTILE = "' or 1=1 --"
LISTS = {
    "/api/v1/warehouse-stock": (
        "marketplace",
        "account",
        "warehouse",
        "cluster",
        "product_key",
        "offer_id",
        "sku",
        "nm_id",
        "stock_type",
        "min_available",
        "max_available",
        "as_of",
        "sort",
        "cursor",
        "limit",
        "format",
    ),
    "/api/v1/stock-alerts": ("marketplace", "account", "warehouse", "cluster", "product_key", "severity", "sort"),
    "/api/v1/replenishment-plan": ("account", "warehouse", "location_level", "offer_id", "sort"),
    "/api/v1/sales-velocity": ("account", "product_key", "location_level", "sku", "sort"),
    "/api/v1/stock-reports": ("marketplace", "account", "outcome", "sort"),
    "/api/v1/runs": ("status", "sort", "cursor"),
    "/api/v1/runs/sources": ("account", "marketplace"),
    "/api/v1/runs/resources": ("account",),
}


@pytest.fixture(scope="module")
def served(seller, tmp_path_factory):
    return client_for(seller, tmp_path_factory.mktemp("security"))


def assert_error(answer, status: int, field: str | None = None) -> dict:
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["status"] == status and error["code"] and error["message"]
    if field:
        assert field in [f["field"] for f in error["fields"]], error
    return error


def test_no_key_or_a_wrong_key_is_401(served):
    client, key = served
    assert_error(client.get("/api/v1/warehouse-stock"), 401)
    assert_error(client.get("/api/v1/warehouse-stock", headers={"X-API-Key": key[:-2] + "xx"}), 401)
    assert_error(client.get("/api/v1/warehouse-stock", headers={"X-API-Key": "mk_nope_nope"}), 401)
    assert client.get("/api/v1/warehouse-stock", headers={"X-API-Key": key}).status_code == 200
    assert client.get("/api/v1/warehouse-stock", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert client.get("/api/v1/health").status_code in (200, 503)  # no key needed


def test_keys_are_stored_hashed_and_made_by_the_cli(tmp_path, monkeypatch):
    monkeypatch.setenv("SERVE_KEYS_FILE", str(tmp_path / "keys.json"))
    done = run_script("serving.keys", "erp")
    assert done.returncode == 0, done.stderr
    key = done.stdout.split()[-1]
    stored = (tmp_path / "keys.json").read_text(encoding="utf-8")
    assert key.startswith("mk_") and key.split("_", 2)[2] not in stored and "erp" in stored
    assert keys.holder(keys.load(tmp_path / "keys.json"), key) == "erp"
    assert run_script("serving.keys", "bad name;").returncode == 2


def test_make_api_key_with_a_bad_setting_or_key_file_says_so_in_one_line(tmp_path, monkeypatch):
    """Each was a traceback: serving.keys did not go through cli.run."""
    utf16 = tmp_path / "utf16.env"
    utf16.write_text("SERVE_HOST=127.0.0.1\n", encoding="utf-16")
    (tmp_path / "a_file").write_text("x")
    for env, message in (
        ({"ENV_FILE": str(tmp_path / "missing.env")}, "does not exist"),
        ({"ENV_FILE": str(utf16)}, "not UTF-8 text"),
        ({"SERVE_KEYS_FILE": str(tmp_path)}, f"SERVE_KEYS_FILE: cannot use {tmp_path} as the API key file (Is a"),
        ({"SERVE_KEYS_FILE": str(tmp_path / "a_file" / "k.json")}, "(a part of that path is a file, not a folder)"),
        ({"SERVE_KEYS_FILE": str(tmp_path / "a_file")}, f"cannot use {tmp_path / 'a_file'} as the API key file"),
    ):
        done = run_script("serving.keys", "erp", env=env)
        assert done.returncode == 2 and message in one_line_error(done), (env, done.stderr)


def test_the_rate_limit_answers_429_with_retry_after(seller, tmp_path):
    client, key = client_for(seller, tmp_path, rate_limit_per_minute=3)
    answers = [client.get("/api/v1/runs", headers={"X-API-Key": key}) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert_error(answers[-1], 429)
    assert 1 <= int(answers[-1].headers["retry-after"]) <= 20


def test_two_keys_of_one_name_have_a_rate_limit_each_and_a_session_draws_on_its_keys(tmp_path):
    """The limit's bucket was the key's name: two keys made with one NAME (make api-key NAME=erp twice)
    shared it (2 requests with each: 200 200 200 429). Each key has its own; a session draws on the
    bucket of the key it signed in with, so signing in again gives no more requests. No snapshot here:
    an admitted request is a 503, one over the limit a 429."""
    keys_file = tmp_path / "api_keys.json"
    key, twin = keys.create(keys_file, "erp"), keys.create(keys_file, "erp")
    app = create_app(settings_for(keys_file, rate_limit_per_minute=3), SnapshotReader(tmp_path / "none"))
    client = TestClient(app)
    both = [client.get("/api/v1/runs", headers={"X-API-Key": k}).status_code for k in (key, twin, key, twin)]
    assert both == [503, 503, 503, 503]
    client.post("/login", data={"api_key": key, "next": "/"}, follow_redirects=False)
    assert [client.get("/api/v1/runs").status_code for _ in range(2)] == [503, 429]
    client.post("/login", data={"api_key": key, "next": "/"}, follow_redirects=False)
    assert client.get("/api/v1/runs").status_code == 429
    assert client.get("/api/v1/runs", headers={"X-API-Key": twin}).status_code == 503


@pytest.mark.parametrize("path", LISTS)
def test_hostile_strings_in_every_filter_are_refused_or_match_nothing(served, path):
    client, key = served
    for name in LISTS[path]:
        answer = client.get(path, params={name: HOSTILE}, headers={"X-API-Key": key})
        assert answer.status_code in (200, 422), (path, name, answer.status_code, answer.text)
        if answer.status_code == 422:
            assert_error(answer, 422, name)
        else:
            assert answer.json()["data"] == [] and answer.json()["totals"]["rows"] == 0, (path, name)
    for path_value in ("/api/v1/warehouse-stock/", "/api/v1/products/"):
        assert client.get(path_value + HOSTILE, headers={"X-API-Key": key}).status_code == 404


def test_limit_over_the_cap_is_422_naming_it(served):
    client, key = served
    error = assert_error(client.get("/api/v1/warehouse-stock?limit=1001", headers={"X-API-Key": key}), 422, "limit")
    assert "1000" in error["fields"][0]["message"]
    assert_error(client.get("/api/v1/warehouse-stock?limit=0", headers={"X-API-Key": key}), 422, "limit")


def test_the_dashboard_signs_in_with_a_key_into_an_http_only_session(served):
    client, key = served
    client.cookies.clear()
    assert client.get("/stock", follow_redirects=False).headers["location"].startswith("/login")
    wrong = client.post("/login", data={"api_key": "mk_x_y", "next": "/stock"}, follow_redirects=False)
    assert wrong.status_code == 200 and SESSION_COOKIE not in wrong.cookies
    signed = client.post("/login", data={"api_key": key, "next": "/stock"}, follow_redirects=False)
    cookie = signed.headers["set-cookie"]
    assert signed.status_code == 303 and "HttpOnly" in cookie and "SameSite=strict" in cookie and key not in cookie
    assert client.get("/stock").status_code == 200
    assert client.get("/api/v1/runs").status_code == 200  # the session reaches the CSV links too
    client.post("/logout")
    client.cookies.clear()
    assert client.get("/api/v1/runs").status_code == 401


def test_local_mode_admits_this_machine_only_and_needs_a_loopback_address(seller, tmp_path, monkeypatch):
    app = create_app(settings_for(tmp_path / "keys.json", local_mode=True), SnapshotReader(seller.published))
    assert TestClient(app, client=("127.0.0.1", 5000)).get("/api/v1/runs").status_code == 200
    assert TestClient(app, client=("192.0.2.7", 5000)).get("/api/v1/runs").status_code == 401
    monkeypatch.setenv("SERVE_LOCAL_MODE", "1")
    monkeypatch.setenv("SERVE_HOST", "192.0.2.1")
    with pytest.raises(config.ConfigError, match="loopback"):
        settings.from_env()
    monkeypatch.setenv("SERVE_HOST", "127.0.0.1")
    assert settings.from_env().local_mode


def test_an_empty_serving_setting_means_its_default(monkeypatch):
    """An empty SERVE_HOST= served on every interface; an empty SERVE_KEYS_FILE= named the project folder."""
    for name in ("SERVE_HOST", "SERVE_KEYS_FILE", "SERVE_PORT", "SERVE_RATE_LIMIT", "SERVE_LOCAL_MODE"):
        monkeypatch.setenv(name, "")
    read = settings.from_env()
    assert (read.host, read.port, read.keys_file) == ("127.0.0.1", 8000, config.PROJECT_DIR / "data/api_keys.json")
    assert read.rate_limit_per_minute == settings.DEFAULT_RATE_LIMIT and not read.local_mode


def test_the_openapi_document_and_its_page(served):
    client, _ = served
    document = client.get("/openapi.json").json()
    assert {"/api/v1/warehouse-stock", "/api/v1/health", "/api/v1/products/{product_key}"} <= set(document["paths"])
    parameters = {p["name"] for p in document["paths"]["/api/v1/warehouse-stock"]["get"]["parameters"]}
    assert {"marketplace", "warehouse", "as_of", "limit", "cursor", "sort", "min_available"} <= parameters
    page = client.get("/docs")
    assert page.status_code == 200 and "/api/v1/warehouse-stock" in page.text and "cdn" not in page.text.lower()


def test_a_session_ends_when_its_key_is_deleted_from_the_key_file(seller, tmp_path):
    client, key = client_for(seller, tmp_path)
    other = keys.create(tmp_path / "api_keys.json", "other")
    client.post("/login", data={"api_key": key, "next": "/"}, follow_redirects=False)
    assert client.get("/api/v1/runs").status_code == 200
    stored = json.loads((tmp_path / "api_keys.json").read_text(encoding="utf-8"))
    del stored[key.split("_", 2)[1]]
    (tmp_path / "api_keys.json").write_text(json.dumps(stored), encoding="utf-8")
    assert client.get("/api/v1/runs").status_code == 401
    assert client.get("/stock", follow_redirects=False).headers["location"].startswith("/login")
    assert client.get("/api/v1/runs", headers={"X-API-Key": other}).status_code == 200


def test_keys_are_masked_inside_encoded_values_too():
    """A key in `?api_key=` comes back URL-encoded in the sign-in redirect's `next`, which the access
    log writes; a word boundary before `mk_` does not hold after `%3D` or `%22`."""
    from serving.security import mask_keys

    secret = "mk_ed845a01fe5c_0HMfSeCrEt-x_Yz"
    for line in (
        f"GET /login?next=%2Fstock%3Fapi_key%3D{secret} HTTP/1.1",
        f"GET /api/v1/products?q=%22{secret}%22 HTTP/1.1",
        "GET /stock?next=%2Fx%3Fapi_key%3Dnot-shaped-like-a-key%26a%3D1 HTTP/1.1",
        f"GET /api/v1/products/{secret}: Catalog Error",
    ):
        masked = mask_keys(line)
        assert "SeCrEt" not in masked and "not-shaped" not in masked and "***" in masked, masked


def test_a_key_file_that_does_not_parse_is_a_503_saying_so_until_fixed(tmp_path):
    """A file edited by hand, mid-save or with a trailing comma: every keyed request was a 500."""
    keys_file = tmp_path / "api_keys.json"
    key = keys.create(keys_file, "erp")
    client = TestClient(create_app(settings_for(keys_file), SnapshotReader(tmp_path / "none")))
    good = keys_file.read_text()
    keys_file.write_text(good.rstrip().rstrip("}") + ",}")

    answer = client.get("/api/v1/runs", headers={"X-API-Key": key})
    assert answer.status_code == 503 and "API key file cannot be read" in answer.json()["error"]["message"]

    keys_file.write_text(good)
    fixed = client.get("/api/v1/runs", headers={"X-API-Key": key})  # the key is good again (no marts here)
    assert fixed.status_code != 401 and "API key file" not in fixed.text


def test_a_key_file_the_server_cannot_open_is_a_503_naming_it_in_one_log_line(tmp_path, caplog):
    """SERVE_KEYS_FILE naming a folder (or a file without read permission): every keyed request was a 500."""
    keys_file = tmp_path / "api_keys.json"
    key = keys.create(tmp_path / "elsewhere.json", "erp")
    keys_file.mkdir()
    client = TestClient(create_app(settings_for(keys_file), SnapshotReader(tmp_path / "none")))

    with caplog.at_level("ERROR", logger="serve"):
        answers = [client.get("/api/v1/runs", headers={"X-API-Key": key}) for _ in range(2)]
    for answer in answers:
        assert answer.status_code == 503, answer.text
        assert "API key file cannot be read (Is a directory)" in answer.json()["error"]["message"]
    logged = [record.getMessage() for record in caplog.records if "API key file" in record.getMessage()]
    assert len(logged) == 1 and str(keys_file) in logged[0], logged

    keys_file.rmdir()
    (tmp_path / "elsewhere.json").rename(keys_file)
    fixed = client.get("/api/v1/runs", headers={"X-API-Key": key})  # the key is good (no marts here)
    assert fixed.status_code != 401 and "API key file" not in fixed.text


def test_the_bearer_scheme_is_read_in_any_case_and_spacing(tmp_path):
    """`Authorization: bearer <key>` (the scheme is case-insensitive, RFC 9110 11.1) or two spaces after
    Bearer were a 401. No snapshot here: an admitted request is a 503."""
    keys_file = tmp_path / "api_keys.json"
    key = keys.create(keys_file, "erp")
    client = TestClient(create_app(settings_for(keys_file), SnapshotReader(tmp_path / "none")))
    for header in (f"Bearer {key}", f"bearer {key}", f"BEARER {key}", f"Bearer  {key}", f" Bearer\t{key} "):
        assert client.get("/api/v1/runs", headers={"Authorization": header}).status_code == 503, header
    for header in (f"Basic {key}", f"Bearer{key}", f"Bearer {key} x", "Bearer", key):
        assert client.get("/api/v1/runs", headers={"Authorization": header}).status_code == 401, header
