"""HEAD is answered as GET without a body: uptime monitors ask HEAD."""

from __future__ import annotations

from fastapi.testclient import TestClient

from serving import keys
from serving.app import create_app
from serving.reader import SnapshotReader
from tests.support.serving import settings_for


def test_head_is_answered_as_get_without_a_body(tmp_path):
    """`curl -I /api/v1/health` was a 405: a monitor asking HEAD saw the service down. No snapshot
    here: the lists answer 503 to a key, health says why it is unhealthy."""
    keys_file = tmp_path / "api_keys.json"
    key = keys.create(keys_file, "monitor")
    client = TestClient(create_app(settings_for(keys_file), SnapshotReader(tmp_path / "none")))
    for path, headers in (
        ("/api/v1/health", {}),
        ("/api/v1/runs", {"X-API-Key": key}),
        ("/api/v1/runs", {}),
        ("/login", {}),
        ("/static-vendor/plotly.min.js", {}),
    ):
        got, head = client.get(path, headers=headers), client.head(path, headers=headers)
        assert head.status_code == got.status_code != 405, (path, head.status_code, got.status_code)
        assert head.content == b"" and got.content, path
        for name in ("content-type", "content-length", "etag"):
            assert head.headers.get(name) == got.headers.get(name), (path, name)
    assert client.head("/logout").status_code == 405  # POST only: HEAD is GET's


def test_a_405_allows_head_beside_get(tmp_path):
    """OPTIONS said `Allow: GET` although HEAD is answered (as GET, by serving/app.py's HeadAsGet)."""
    client = TestClient(create_app(settings_for(tmp_path / "api_keys.json"), SnapshotReader(tmp_path / "none")))
    for path in ("/api/v1/health", "/api/v1/runs", "/stock", "/login"):
        answer = client.options(path)
        assert answer.status_code == 405 and answer.headers["allow"] == "GET, HEAD", (path, answer.headers)
    assert client.post("/api/v1/health").headers["allow"] == "GET, HEAD"
    assert client.options("/logout").headers["allow"] == "POST"
