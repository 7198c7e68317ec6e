"""Knobs of the sandbox: how big the fake seller is and how the server behaves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sandbox.clock import DEFAULT_START
from sandbox.ozon_warehouses import CANONICAL_WAREHOUSES


@dataclass(frozen=True)
class SandboxConfig:
    """Everything that shapes the served data; the same config always serves the same bytes.

    `products` is per account. `warehouses` takes the first N Ozon FBO warehouses of the
    canonical catalogue; `unknown_warehouses` adds warehouses in no dbt seed. `rate_limit_rps`
    is requests per second per Client-Id (0 or None switches every limit off, the per-method ones
    too). `rate_limit_scale` multiplies every limit: 0.1 makes them ten times stricter, so a test
    meets them with a few requests; 60 turns a limit of one request a minute into one a second
    (a burst stays the documented number of requests: time runs 60 times faster).
    `ozon_port` 0 picks a free port.
    """

    seed: int = 42
    products: int = 300
    warehouses: int = 12
    archived_share: float = 0.1
    accounts: int = 1
    rate_limit_rps: float | None = 50
    rate_limit_scale: float = 1.0
    unknown_warehouses: int = 0
    host: str = "127.0.0.1"
    ozon_port: int = 0
    # Simulated time: the clock starts at `start`; `history_days` days of orders exist before it.
    start: datetime = DEFAULT_START
    history_days: int = 0
    # Multiplies every product's orders a day (1 = the calibrated seller; 0.125 at 100,000 products
    # and 365 days gives 2.25 million Ozon postings, the benchmark brief's ~2 million order lines).
    demand_scale: float = 1.0
    # Wildberries: `wb_port` 0 picks a free port; the last `wb_base_token_accounts` accounts hold
    # "base" tokens (403 on wb-warehouses, strict limits); `wb_masked_warehouses` serves WB's
    # masked warehouse names ("Склад WB", "Склад WB РФ") as WB does since Aug 2026.
    wb_port: int = 0
    wb_base_token_accounts: int = 0
    wb_masked_warehouses: bool = True
    # Endpoints answered as the marketplace answers a removed method / a token that may not call
    # it: "PATH" (a route template of either marketplace) for every account, or "INDEX:PATH" for
    # the account `accounts[INDEX]` (0-based: 0 is Client-Id 100001 and wb1). See disable_endpoint.
    removed_endpoints: tuple[str, ...] = ()
    forbidden_endpoints: tuple[str, ...] = ()
    # Every JSON answer leaves out the fields its OpenAPI schema does not require, except the keys
    # the loaders need (sparse.py); the truth does not change.
    sparse: bool = False
    # Ozon's announced change: /v4/product/info/stocks no longer sends FBO rows (FBO stock is in
    # /v1/analytics/stocks only). True serves them as before the change.
    ozon_product_stocks_with_fbo: bool = False
    # Whether visibility ALL lists archived products too (ozon.md: "probably excludes" them, not
    # confirmed); ARCHIVED lists them either way, so a loader reading both passes sees them twice.
    ozon_all_lists_archived: bool = False
    # The content API (cards/list, cards/trash) sends techSize "" for the one size of a card of one
    # size, while orders, sales and the stock report send "0" for it (seen on a real account).
    wb_cards_blank_tech_size: bool = False

    def __post_init__(self) -> None:
        if self.products < 0:
            raise ValueError("products must be >= 0")
        if not 1 <= self.warehouses <= len(CANONICAL_WAREHOUSES):
            raise ValueError(f"warehouses must be between 1 and {len(CANONICAL_WAREHOUSES)}")
        if not 0 <= self.archived_share <= 1:
            raise ValueError("archived_share must be between 0 and 1")
        if self.accounts < 1:
            raise ValueError("accounts must be >= 1")
        if self.unknown_warehouses < 0:
            raise ValueError("unknown_warehouses must be >= 0")
        if self.rate_limit_rps is not None and self.rate_limit_rps < 0:
            raise ValueError("rate_limit_rps must be >= 0")
        if self.rate_limit_scale <= 0:
            raise ValueError("rate_limit_scale must be > 0")
        if self.demand_scale <= 0:
            raise ValueError("demand_scale must be > 0")
        if self.history_days < 0:
            raise ValueError("history_days must be >= 0")
        if not 0 <= self.wb_base_token_accounts <= self.accounts:
            raise ValueError("wb_base_token_accounts must be between 0 and accounts")
        if self.start.tzinfo is None:
            raise ValueError("start must carry a time zone")
        if isinstance(self.removed_endpoints, str) or isinstance(self.forbidden_endpoints, str):
            raise TypeError("removed_endpoints and forbidden_endpoints are tuples of entries, not one string")
        for entry in (*self.removed_endpoints, *self.forbidden_endpoints):
            index, _ = endpoint_entry(entry)
            if index is not None and not 0 <= index < self.accounts:
                raise ValueError(f"{entry!r}: account index must be between 0 and {self.accounts - 1}")


def endpoint_entry(entry: str) -> tuple[int | None, str]:
    """(account index or None for every account, path) of a `removed_endpoints` /
    `forbidden_endpoints` entry: "PATH" or "INDEX:PATH"."""
    index, colon, path = entry.partition(":")
    if not colon or entry.startswith("/"):
        index, path = "", entry
    if not path.startswith("/") or (index and not index.isdigit()):
        raise ValueError(f"{entry!r}: an endpoint is PATH or INDEX:PATH, PATH starting with /")
    return (int(index) if index else None), path
