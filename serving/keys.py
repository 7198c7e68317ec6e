"""API keys: `make api-key NAME=...` (python -m serving.keys NAME) prints a new key once; the file keeps
only a salted SHA-256 of its secret (a random 256-bit secret needs no slow hash).

A key reads `mk_<id>_<secret>`: the id finds the entry, the secret is compared in constant time.
"""

from __future__ import annotations

import argparse
import errno
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from loaders import cli, config
from serving import settings

NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class StoredKey:
    name: str
    salt: str
    digest: str


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256(f"{salt}:{secret}".encode()).hexdigest()


def load(path: Path) -> dict[str, StoredKey]:
    """key id -> stored key; no file: no keys."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return {key_id: StoredKey(e["name"], e["salt"], e["sha256"]) for key_id, e in entries.items()}


def create(path: Path, name: str) -> str:
    """Store a new key named `name` and return it (the only time it is shown)."""
    if not NAME.match(name):
        raise config.ConfigError(f"NAME must be 1-64 letters, digits, '.', '_' or '-', not {name!r}")
    entries = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    key_id, secret, salt = secrets.token_hex(6), secrets.token_urlsafe(32), secrets.token_hex(16)
    entries[key_id] = {
        "name": name,
        "salt": salt,
        "sha256": _digest(salt, secret),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(entries, indent=1), encoding="utf-8")
    partial.chmod(0o600)
    os.replace(partial, path)
    return f"mk_{key_id}_{secret}"


def key_id(key: str) -> str:
    """The id part of a key `mk_<id>_<secret>`."""
    return key.split("_", 2)[1]


def holder(stored: dict[str, StoredKey], key: str) -> str | None:
    """The name of the key `key`, or None when it is not a valid key."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "mk" or parts[1] not in stored:
        return None
    entry = stored[parts[1]]
    return entry.name if hmac.compare_digest(entry.digest, _digest(entry.salt, parts[2])) else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m serving.keys", description="Create an API key for `make serve`.")
    parser.add_argument("name", help="who or what uses the key, e.g. dashboard or erp")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    path = settings.keys_file()
    try:
        key = create(path, args.name)
    except (OSError, ValueError, TypeError) as exc:  # a folder, a path through a file, no JSON object of keys
        reason = cli.first_line(exc)
        if isinstance(exc, OSError):
            through_a_file = exc.errno in (errno.ENOTDIR, errno.EEXIST)
            reason = "a part of that path is a file, not a folder" if through_a_file else exc.strerror
        raise config.ConfigError(f"SERVE_KEYS_FILE: cannot use {path} as the API key file ({reason})") from None
    print(f"API key {args.name!r} (shown once; {path} keeps only its hash):\n{key}")
    return 0


if __name__ == "__main__":
    cli.run(main)  # .env read first; a bad setting or file is one line, exit 2
