"""Plain HTTP calls to the sandbox's Ozon API, for the tests that check its contract directly."""

from __future__ import annotations

import requests

from sandbox import Sandbox


def post(sandbox: Sandbox, path: str, body: dict, account=None, headers: dict | None = None) -> requests.Response:
    """POST `body` to `path` as `account` (default: the first one), or with exactly `headers`."""
    account = account or sandbox.ozon.accounts[0]
    auth = {"Client-Id": account.client_id, "Api-Key": account.api_key} if headers is None else headers
    return requests.post(sandbox.ozon.base_url + path, json=body, headers=auth, timeout=10)


def ok(response: requests.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()
