"""Secret masking and the retry policy (without any server), and a masked error that stays readable."""

from __future__ import annotations

import logging

from loaders import config
from loaders.http import RetryPolicy
from loaders.secrets import MASK, MaskingFilter, mask, register_secret
from tests.support.destinations import query
from tests.support.operations import drop_settings, run_script


def test_registered_secrets_and_header_values_are_masked():
    register_secret("5b3b0e68-aaaa-bbbb-cccc-1234567890ab")
    text = mask("key 5b3b0e68-aaaa-bbbb-cccc-1234567890ab, Authorization: Bearer eyJhbGciOi.x.y, Api-Key=abc123")
    assert "5b3b0e68" not in text and "eyJhbGciOi" not in text and "abc123" not in text
    assert text.count(MASK) == 3


def test_a_word_after_a_header_name_is_prose_not_a_value():
    text = "Ozon rejected Client-Id 100002 with this Api-Key: check OZON_CLIENT_ID; token: expired"
    assert mask(text) == text
    assert mask("Api-Key: Abcdefghijklmnopqrstuvwxyz and token=eyJhbGciOi.x.y") == "Api-Key: *** and token=***"


def test_a_rejected_key_of_a_named_account_names_its_own_variables(ozon_sandbox, workdir, monkeypatch):
    drop_settings(monkeypatch, "OZON_")
    wrong_key = "0badc0de-1111-2222-3333-444455556666"
    client_id = ozon_sandbox.ozon.accounts[0].client_id
    done = run_script(
        "loaders",
        "ozon",
        env={
            "OZON_API_BASE_URL": ozon_sandbox.ozon.base_url,
            "OZON_ACCOUNTS": "outlet",
            "OZON_OUTLET_CLIENT_ID": client_id,
            "OZON_OUTLET_API_KEY": wrong_key,
        },
    )
    assert done.returncode == 3, done.stderr
    assert "with this Api-Key: check OZON_OUTLET_CLIENT_ID and OZON_OUTLET_API_KEY" in done.stderr
    assert wrong_key not in done.stderr and "OZON_API_KEY" not in done.stderr
    # said once, by the resource whose call was refused; the others, which sent none, say where that was
    [error] = [line for line in done.stderr.splitlines() if " ERROR " in line]
    first = error.split("Ozon account outlet: ")[1].split(" failed")[0]
    rows = query("duckdb", "select resource, message, endpoint from raw_ozon.resource_outcomes")
    endpoints = {resource: endpoint for resource, _, endpoint in rows}
    outcomes = {resource: message for resource, message, _ in rows}
    assert "with this Api-Key" in outcomes.pop(first)
    refused_at = endpoints.pop(first)
    assert refused_at and f": {refused_at}: HTTP " in error and not any(endpoints.values()), (error, endpoints)
    pointer = f"not read: the credentials were rejected at {refused_at}"
    assert outcomes and all(
        message == pointer or message.startswith("needs ") and message.endswith(", which failed")
        for message in outcomes.values()
    ), outcomes


def test_log_records_are_masked_before_any_handler_sees_them(caplog):
    register_secret("super-secret-token-value")
    logger = logging.getLogger("test.masking")
    caplog.handler.addFilter(MaskingFilter())
    try:
        raise ValueError("boom with super-secret-token-value inside")
    except ValueError:
        logger.exception("failed using %s", "super-secret-token-value")
    assert "super-secret-token-value" not in caplog.text
    assert MASK in caplog.text


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    policy = RetryPolicy(attempts=8, base_delay=1.0, max_delay=10.0)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 10.0), (7, 10.0)]:
        delays = {policy.delay(attempt, None) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1, "jitter must spread retries"


def test_throttling_is_waited_out_for_minutes_and_a_failing_server_for_seconds():
    """Ozon sends no Retry-After and its breaker closes "within a few minutes"."""
    policy = RetryPolicy()
    throttled = [sum(policy.delay(n, None) for n in range(1, policy.attempts_for(True))) for _ in range(50)]
    failing = [sum(policy.delay(n, None) for n in range(1, policy.attempts_for(False))) for _ in range(50)]
    assert 90 <= min(throttled) and max(throttled) <= 200
    assert max(failing) <= 16


def test_retry_after_header_wins_but_is_capped():
    policy = RetryPolicy(max_delay=30.0)
    assert policy.delay(1, 7.0) == 7.0
    assert policy.delay(1, 600.0) == 30.0


def test_a_password_in_the_api_address_is_masked_where_the_address_shows(monkeypatch):
    """OZON_API_BASE_URL may name a proxy with its password: reading the settings registers it, so any
    message that shows the address (a connection error names the URL it called) shows it masked."""
    drop_settings(monkeypatch, "OZON_")
    address = "http://proxyuser:SECRETPROXYPW@127.0.0.1:9"
    for name, value in {"OZON_API_BASE_URL": address, "OZON_CLIENT_ID": "1", "OZON_API_KEY": "key"}.items():
        monkeypatch.setenv(name, value)
    (account,) = config.ozon_accounts()
    assert account.base_url == address
    assert (
        mask(f"cannot reach {address}/v3/product/list")
        == "cannot reach http://proxyuser:***@127.0.0.1:9/v3/product/list"
    )


def test_a_user_in_the_wildberries_address_is_refused_not_sent_in_place_of_the_token(workdir, monkeypatch):
    """requests turns an address's user:password into Basic authentication in the Authorization header,
    where Wildberries' token goes: every call came back 401, reported as a wrong token (exit 3)."""
    drop_settings(monkeypatch, "WB_")
    address = "http://proxyuser:SECRETPROXYPW@127.0.0.1:9"
    done = run_script("loaders", "wildberries", env={"WB_API_BASE_URL": address, "WB_API_TOKEN": "token"})
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.endswith(
        "WB_API_BASE_URL holds a user name (user:password@): it would replace the token in the"
        " Authorization header; give the address without it"
    ), line
    assert "SECRETPROXYPW" not in done.stderr + done.stdout
