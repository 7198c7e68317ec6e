"""Keep secrets out of logs, errors and files.

Every credential value the loaders read is registered here; `mask` replaces any
registered value (and the typical `Api-Key:`/`Authorization:` header forms) in a
text, and `install_log_masking` applies it to every log record of the process.
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "***"
_MIN_SECRET_LENGTH = 4
# A header or setting and its value; a short word of letters after it is prose ("Api-Key: check ..."), not a value.
_HEADER_PATTERN = re.compile(
    r"(?i)\b(api-key|authorization|token|password)(\s*[:=]\s*)(bearer\s+)?(?![a-z]{1,15}(?:[\s,;'\"}]|$))[^\s,;'\"}]+"
)

_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret so that `mask` hides it wherever it appears."""
    if value and len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(value)


def mask(text: str) -> str:
    """Return `text` with every registered secret and header value replaced by ***."""
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, MASK)
    return _HEADER_PATTERN.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)


class MaskingFilter(logging.Filter):
    """Rewrites a log record's final message with `mask` before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def install_log_masking() -> None:
    """Attach the masking filter to every handler of the root logger (idempotent)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
