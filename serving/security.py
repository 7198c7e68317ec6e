"""Who is asking, and whether they may ask now: API keys, dashboard sessions, the per-key rate limit.

Keys come in `X-API-Key` (or `Authorization: Bearer`); the dashboard's session cookie stands for the
key that signed in. In local mode (SERVE_LOCAL_MODE=1, loopback only) a request from this machine
without a key is `local`. Keys and session tokens are never logged.
"""

from __future__ import annotations

import logging
import math
import re
import secrets
import threading
import time
from pathlib import Path

from fastapi import Request

from serving import keys
from serving.errors import ApiError
from serving.settings import Settings, is_loopback

log = logging.getLogger("serve")

SESSION_COOKIE = "mk_session"
SESSION_SECONDS = 12 * 3600


# A key (`mk_<id>_<secret>`) anywhere, also inside a URL-encoded value (after `%3D` or `%22`, where a
# word boundary is none), and whatever follows `api_key=`, or `api_key%3D` encoded in another value.
KEY_LOOKING = re.compile(r"mk_[0-9a-f]+_[A-Za-z0-9_-]+|(?<=api_key=)[^&\s\"]+|(?<=api_key%3D)[^&%\s\"]+", re.IGNORECASE)


def mask_keys(text: str) -> str:
    return KEY_LOOKING.sub("***", text)


class KeyMasking(logging.Filter):
    """Masks keys in a record's message and arguments: uvicorn's access log writes each request's
    path with its query string, where a client may put its key, through handlers of its own."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_keys(record.msg)
        if isinstance(record.args, tuple):  # uvicorn's access formatter unpacks them: rewritten in place
            record.args = tuple(mask_keys(a) if isinstance(a, str) else a for a in record.args)
        return True


class RateLimiter:
    """A token bucket per holder: `per_minute` requests a minute, bursts up to as many."""

    def __init__(self, per_minute: int):
        self.capacity, self.rate = float(per_minute), per_minute / 60
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def wait(self, holder: str) -> float:
        """0 when `holder` may go on (a token is taken), else the seconds until the next token."""
        now = time.monotonic()
        with self._lock:
            tokens, then = self._buckets.get(holder, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - then) * self.rate)
            if tokens >= 1:
                self._buckets[holder] = (tokens - 1, now)
                return 0.0
            self._buckets[holder] = (tokens, now)
            return (1 - tokens) / self.rate


UNREADABLE = "unreadable"  # the stamp of a key file whose state cannot be read


class KeyFile:
    """The stored keys, re-read when the file changes (a key made while the server runs works at once,
    a key deleted from it stops working at once, with its sessions)."""

    def __init__(self, path: Path):
        self.path, self._stamp, self._keys, self._unreadable = path, None, {}, None

    def _stored(self) -> dict[str, keys.StoredKey]:
        try:
            stamp: int | str | None = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            stamp = None
        except OSError:  # a folder on the way the server may not enter: reading the file says why
            stamp = UNREADABLE
        if stamp != self._stamp or stamp == UNREADABLE:
            try:
                loaded = keys.load(self.path)
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
                # A file edited by hand (a key deleted) that no longer parses, or one the server cannot
                # open (a folder, no permission): no key is good until it can be read, rather than the
                # keys read before.
                if isinstance(exc, OSError):
                    reason = exc.strerror or type(exc).__name__
                else:
                    reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                if self._unreadable != stamp:
                    log.error("the API key file %s cannot be read (%s): no key is good until fixed", self.path, reason)
                    self._unreadable = stamp
                raise ApiError(503, f"the server's API key file cannot be read ({reason}): fix it") from None
            self._keys, self._stamp, self._unreadable = loaded, stamp, None
        return self._keys

    def holder(self, key: str) -> str | None:
        return keys.holder(self._stored(), key)

    def exists(self, key_id: str) -> bool:
        return key_id in self._stored()


class Sessions:
    """token -> (holder, the id of the key that signed in, expiry)."""

    def __init__(self):
        self._sessions: dict[str, tuple[str, str, float]] = {}
        self._lock = threading.Lock()

    def start(self, holder: str, key_id: str) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[token] = (holder, key_id, time.monotonic() + SESSION_SECONDS)
        return token

    def find(self, token: str) -> tuple[str, str] | None:
        """(holder, key id) of a live session, else None."""
        with self._lock:
            holder, key_id, expires = self._sessions.get(token, ("", "", 0.0))
        return (holder, key_id) if time.monotonic() < expires else None

    def end(self, token: str) -> None:
        with self._lock:
            self._sessions.pop(token, None)


def bearer_token(authorization: str) -> str:
    """The token of an `Authorization: Bearer <token>` header, else "": the scheme in any case (RFC 9110
    11.1), any whitespace around it."""
    parts = authorization.split()
    return parts[1] if len(parts) == 2 and parts[0].lower() == "bearer" else ""


class Guard:
    def __init__(self, settings: Settings):
        self.local_mode = settings.local_mode
        self.keys = KeyFile(settings.keys_file)
        self.sessions = Sessions()
        self.limiter = RateLimiter(settings.rate_limit_per_minute)

    def identify(self, request: Request) -> tuple[str, str] | None:
        """The key's name (or `local`) and the rate limit's bucket it draws from, None for nobody; a
        wrong key is a 401 even with a session. Each key has a bucket of its own (two keys may bear one
        name), which its sessions draw on."""
        key = request.headers.get("x-api-key") or bearer_token(request.headers.get("authorization", ""))
        if key:
            holder = self.keys.holder(key)
            if holder is None:
                raise ApiError(401, "the API key is not valid")
            return holder, f"key {keys.key_id(key)}"
        session = request.cookies.get(SESSION_COOKIE)
        signed_in = self._session_holder(session) if session else None
        if signed_in:  # the bucket of the key it signed in with: signing in again gives no more requests
            holder, key_id = signed_in
            return holder, f"key {key_id}"
        if self.local_mode and request.client and is_loopback(request.client.host):
            return "local", "local"
        return None

    def sign_in(self, key: str) -> str | None:
        """A new session's token for a valid key, else None."""
        holder = self.keys.holder(key)
        return self.sessions.start(holder, keys.key_id(key)) if holder else None

    def _session_holder(self, token: str) -> tuple[str, str] | None:
        """The holder of a live session whose key still exists, and its key's id: deleting a key ends its
        sessions."""
        found = self.sessions.find(token)
        if found and self.keys.exists(found[1]):
            return found
        self.sessions.end(token)
        return None

    def admit(self, request: Request) -> str:
        """The holder of the request, after the rate limit; 401 for nobody, 429 over the limit."""
        identified = self.identify(request)
        if identified is None:
            raise ApiError(401, "an API key is required: send it in the X-API-Key header (make api-key NAME=...)")
        holder, bucket = identified
        wait = self.limiter.wait(bucket)
        if wait:
            seconds = math.ceil(wait)
            raise ApiError(429, f"rate limit reached: retry in {seconds} s", {"Retry-After": str(seconds)})
        return holder
