"""Secret masking and the retry policy, without any server."""

from __future__ import annotations

import logging

from loaders.http import RetryPolicy
from loaders.secrets import MASK, MaskingFilter, mask, register_secret


def test_registered_secrets_and_header_values_are_masked():
    register_secret("5b3b0e68-aaaa-bbbb-cccc-1234567890ab")
    text = mask("key 5b3b0e68-aaaa-bbbb-cccc-1234567890ab, Authorization: Bearer eyJhbGciOi.x.y, Api-Key=abc123")
    assert "5b3b0e68" not in text and "eyJhbGciOi" not in text and "abc123" not in text
    assert text.count(MASK) == 3


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


def test_retry_after_header_wins_but_is_capped():
    policy = RetryPolicy(max_delay=30.0)
    assert policy.delay(1, 7.0) == 7.0
    assert policy.delay(1, 600.0) == 30.0
