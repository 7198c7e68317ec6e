"""Wildberries API client: authentication, error recognition, pacing and pagination."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from loaders import config, fastjson, streaming
from loaders.config import WildberriesAccount
from loaders.cooldowns import Cooldowns
from loaders.http import ApiClient, ApiRequestError, CursorTrail, json_object, json_row, refuse_error_body, rows_at
from loaders.wildberries import settings

log = logging.getLogger(__name__)

MARKETPLACE = "Wildberries"

Endpoint = tuple[str, str]  # (real host, path), see settings

AUTH_HINT = (
    "Wildberries rejected the token: check WB_API_TOKEN (or WB_<ACCOUNT>_API_TOKEN). It must be valid "
    "(tokens expire after 180 days) and carry the categories the loader reads: Контент (cards, cards_trash), "
    "Статистика (orders, sales), Аналитика (stock reports), Маркетплейс (warehouses, offices)."
)


def permission_hint(account: WildberriesAccount) -> str:
    return (
        "Wildberries refused this method to the token: the token works, but lacks the category the method needs "
        "(Контент: cards, cards_trash; Статистика: orders, sales; Аналитика: stock reports; Маркетплейс: "
        "warehouses, offices). Make a token with that category in the seller cabinet and set it, or leave the "
        f"resource out of every run ({account.variable('SKIP_RESOURCES')}); until then the account's other "
        "resources still load."
    )


def warehouse_stocks_hint(account: WildberriesAccount) -> str:
    return (
        "stocks-report/wb-warehouses accepts only personal, service or base-with-secret tokens with the "
        "Аналитика category; a plain base token is refused with 403. Use such a token for this account, or "
        f"leave wb_warehouse_stocks out ({account.variable('SKIP_RESOURCES')}=wb_warehouse_stocks); "
        "warehouse_remains gives the stock too. The other resources of the account were loaded."
    )


def is_auth_error(status: int, body: Any) -> bool:
    """401 and 403 on every WB host, and a problem+json body titled `unauthorized`."""
    if status in (401, 403):
        return True
    return isinstance(body, dict) and str(body.get("title", "")).lower() == "unauthorized"


def rejects_credentials(status: int, body: Any) -> bool:
    """A 401 for the token itself (malformed, expired, revoked), not for a category it lacks
    ("token scope not allowed"): no other call can succeed."""
    detail = str(body.get("detail", "")).lower() if isinstance(body, dict) else str(body).lower()
    return status == 401 and "scope" not in detail


def rate_limit_scale() -> float:
    return config.rate_limit_scale("WB_RATE_LIMIT_SCALE")


def url(account: WildberriesAccount, endpoint: Endpoint, **path_params: str) -> str:
    """The absolute URL of `endpoint`: its real host, or WB_API_BASE_URL when set."""
    host, path = endpoint
    return (account.base_url or host).rstrip("/") + path.format(**path_params)


def interval(endpoint: Endpoint) -> float:
    """Seconds between two calls of `endpoint` for one account, WB_RATE_LIMIT_SCALE applied, with
    a small margin: WB measures the spacing on arrival, and latency varies."""
    return settings.ENDPOINT_INTERVALS[endpoint] * settings.PACING_MARGIN / rate_limit_scale()


def make_client(account: WildberriesAccount) -> ApiClient:
    """One client per account: raw token in `Authorization`, each endpoint paced to its limit (the
    endpoints of settings.SHARED_PACING by one pacer with the endpoint whose bucket they share).
    Endpoints are absolute URLs, because WB spreads its methods over several hosts."""
    return ApiClient(
        marketplace=MARKETPLACE,
        account=account.name,
        base_url="",
        headers={"Authorization": account.token},
        secrets=(account.token,),
        is_auth_error=is_auth_error,
        rejects_credentials=rejects_credentials,
        auth_hint=AUTH_HINT,
        permission_hint=permission_hint(account),
        unreachable_hint=f"check {account.variable('API_BASE_URL')} if you set it,",
        endpoint_intervals={
            url(account, endpoint): interval(endpoint)
            for endpoint in settings.ENDPOINT_INTERVALS
            if "{" not in endpoint[1]  # per-task paths are paced by the report flow itself
        },
        shared_pacing={
            url(account, endpoint): url(account, shared) for endpoint, shared in settings.SHARED_PACING.items()
        },
        pace_from_answers=True,  # WB counts a method's spacing on arrival
        cooldowns=Cooldowns(),
    )


# --- content cards --------------------------------------------------------------------------------


def card_pages(client: ApiClient, account: WildberriesAccount, start: dict | None) -> Iterator[tuple[list, dict]]:
    """(cards, cursor after them) per page of cards/list, oldest change first, from the cursor
    `start` ({updatedAt, nmID} of the last card of an earlier run) or from the beginning, until
    `cursor.total < limit`."""
    limit = settings.CARDS_PAGE_SIZE
    cursor: dict[str, Any] = {"limit": limit}
    if start and start.get("updatedAt") and start.get("nmID") is not None:
        cursor |= {"updatedAt": start["updatedAt"], "nmID": start["nmID"]}
    endpoint = url(account, settings.CARDS_LIST)
    trail = CursorTrail(client, endpoint, cursor)
    while True:
        body = {
            "settings": {
                "sort": {"ascending": True},
                "filter": {"withPhoto": settings.CARDS_WITH_PHOTO},
                "cursor": cursor,
            }
        }
        answer = json_object(client, endpoint, client.post(endpoint, body))
        cards = rows_at(client, endpoint, answer, "cards")
        after = answer.get("cursor") or {}
        if not cards:
            return
        last = {"updatedAt": after.get("updatedAt"), "nmID": after.get("nmID")}
        if not last["updatedAt"] or last["nmID"] is None:  # fall back to the page's last card
            last = {"updatedAt": cards[-1].get("updatedAt"), "nmID": cards[-1].get("nmID")}
        yield cards, last
        if page_total(after, cards) < limit:
            return
        cursor = trail.follow({"limit": limit, **last}, cards)


def page_total(after: dict, cards: list) -> int:
    """A content page's `cursor.total` (the cards it holds) as a number, also when sent as text;
    the page's own count when it is missing or not a number."""
    total = after.get("total")
    if isinstance(total, str) and total.strip().isdigit():
        return int(total)
    return total if isinstance(total, int) and not isinstance(total, bool) else len(cards)


def trash_cards(client: ApiClient, account: WildberriesAccount) -> list[dict]:
    """Every card in the trash: the pages of cards/trash ascending by (trashedAt, nmID), each next
    page from the cursor of the last (its `trashedAt` and `nmID`), until `cursor.total < limit`;
    one card per nmID (the last served). Read whole before anything is loaded, so that a read that
    fails part-way loads nothing."""
    limit = settings.CARDS_TRASH_PAGE_SIZE
    endpoint = url(account, settings.CARDS_TRASH)
    cursor: dict[str, Any] = {"limit": limit}
    trail = CursorTrail(client, endpoint, cursor)
    found: dict[Any, dict] = {}
    while True:
        body = {"settings": {"sort": {"ascending": True}, "cursor": cursor}}
        answer = json_object(client, endpoint, client.post(endpoint, body))
        cards = rows_at(client, endpoint, answer, "cards")
        after = answer.get("cursor") or {}
        for card in cards:
            if card.get("nmID") is None:
                log.warning("%s: %s: a card without nmID is left out", client.account, endpoint)
                continue
            found[card["nmID"]] = card
        if not cards or page_total(after, cards) < limit:
            return list(found.values())
        last = {"trashedAt": after.get("trashedAt"), "nmID": after.get("nmID")}
        if not last["trashedAt"] or last["nmID"] is None:  # fall back to the page's last card
            last = {"trashedAt": cards[-1].get("trashedAt"), "nmID": cards[-1].get("nmID")}
        cursor = trail.follow({"limit": limit, **last}, cards)


# --- statistics orders and sales -------------------------------------------------------------------


def parse_moscow(value: Any) -> datetime | None:
    """A statistics time (Moscow-local unless it carries an offset, variable fraction) as a naive
    Moscow-local datetime, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(config.MOSCOW).replace(tzinfo=None)
    return moment


def moscow_text(moment: datetime) -> str:
    """`moment` (aware, or naive Moscow-local) as a Moscow-local `dateFrom` without offset, in whole
    seconds: WB takes "seconds or milliseconds", and a fraction cut off makes a look-back read a
    fraction of a second more, never less."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(config.MOSCOW).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds")


def statistics_batches(client: ApiClient, endpoint: str, date_from: str) -> Iterator[list]:
    """The rows of a statistics list (orders, sales) with flag=0 from `date_from`, in lists of at
    most streaming.ROWS_PER_ITEM: page after page, each page's next `dateFrom` the full
    lastChangeDate of its last row, until `[]`.

    A page (up to 80,000 rows) is never held whole: it is downloaded to a temporary file (one at a
    time, all gone when the paging ends, however it ends) and read back a row at a time.

    The boundary is inclusive, so every page repeats the rows of the previous one that carry the
    boundary time; rows already served by the previous page (compared whole, by a digest of each
    row) are dropped here, and a page that brings nothing new ends the paging (more rows of one
    time than a page holds cannot be paged past). Only one page's fingerprints are kept; rows older
    than the `dateFrom` asked for (which WB should not send) were served before and are dropped too."""
    download_client = streaming.streaming(client)
    seen: set[bytes] = set()
    with streaming.ReportFiles() as files:
        while True:
            download = files.download(download_client, endpoint, {"dateFrom": date_from, "flag": 0})
            page = _Page(seen, parse_moscow(date_from))
            yield from streaming.batches(page.fresh(_json_rows(client, endpoint, download)))
            download.path.unlink()
            if not page.fresh_rows:
                return
            if page.boundary is None:
                log.warning("%s: %s: no row has a valid lastChangeDate; paging stops", client.account, endpoint)
                return
            if page.boundary == date_from:
                log.warning(
                    "%s: %s: a whole page of rows share lastChangeDate %s; WB cannot page past them, so rows"
                    " of that time beyond the page may be missing until they change again",
                    client.account,
                    endpoint,
                    page.boundary,
                )
            # Rows of one time can span pages: keep every fingerprint while the boundary stands still.
            seen = seen | page.fingerprints if page.boundary == date_from else page.fingerprints
            date_from = page.boundary


@dataclass
class _Page:
    """One statistics page as it is read: `fresh()` passes on its rows not `seen` on the previous
    page, nor earlier on this one, nor older than `floor`, and meanwhile notes the fingerprints of
    its rows and its boundary (the lastChangeDate of its last row that has a valid one)."""

    seen: set[bytes]
    floor: datetime | None
    fingerprints: set[bytes] = field(default_factory=set)
    boundary: str | None = None
    fresh_rows: int = 0

    def fresh(self, rows: Iterable) -> Iterator:
        for row in rows:
            when = _cursor_time(row)
            if when is not None:
                self.boundary = row[settings.STATISTICS_CURSOR]
            if self.floor is not None and when is not None and when < self.floor:
                continue  # before the dateFrom asked for: an earlier page (or run) served it
            fingerprint = _fingerprint(row)
            if fingerprint not in self.seen and fingerprint not in self.fingerprints:  # also within the page
                self.fresh_rows += 1
                yield row
            self.fingerprints.add(fingerprint)


def _json_rows(
    client: ApiClient, endpoint: str, download: streaming.Download, at: tuple[str, ...] = (), objects: bool = False
) -> Iterator:
    """The rows of a downloaded page: the JSON array at the members `at` (none where that is null
    or missing); anything else there is an ApiRequestError, and so is a row that is no JSON object
    when `objects` (a statistics row of that kind is quarantined instead)."""
    try:
        for row in streaming.json_array(download.path, at):
            yield json_row(client, endpoint, row, *at) if objects else row
    except streaming.NotAnArrayError as exc:
        refuse_error_body(client, endpoint, download.status, exc.value)
        found = exc.value
        for key in at:
            found = found.get(key) if isinstance(found, dict) else found
        if found is not None:
            where = f" at {'.'.join(at)}" if at else ""
            raise ApiRequestError(
                MARKETPLACE, client.account, endpoint, f"expected a JSON array{where}, got {type(found)}"
            ) from None
    except ValueError as exc:
        raise ApiRequestError(
            MARKETPLACE, client.account, endpoint, f"answer is not JSON ({download.size} bytes)"
        ) from exc


def _fingerprint(row: Any) -> bytes:
    # a row holding half a character (a lone surrogate) has a digest too (fastjson.canonical)
    return hashlib.blake2b(fastjson.canonical(row), digest_size=16).digest()


def _cursor_time(row: Any) -> datetime | None:
    return parse_moscow(row.get(settings.STATISTICS_CURSOR)) if isinstance(row, dict) else None


def quarantine_reason(row: Any, key: str) -> str | None:
    """Why a statistics row cannot be stored, or None: without its key it cannot be merged, and
    without a valid lastChangeDate it cannot move the cursor."""
    if not isinstance(row, dict):
        return "not a JSON object"
    problems = []
    if not isinstance(row.get(key), str) or not row[key]:
        problems.append(f"no {key}")
    if _cursor_time(row) is None:
        problems.append(f"no valid {settings.STATISTICS_CURSOR}")
    return "; ".join(problems) or None


def start_date_from(last_change_date: str | None, now: datetime) -> str:
    """`dateFrom` of a run: WB_ORDERS_INITIAL_DAYS before `now` on the first run, else the newest
    lastChangeDate seen minus WB_ORDERS_LOOKBACK_HOURS (Moscow-local, as WB compares)."""
    last = parse_moscow(last_change_date)
    if last is None:
        return moscow_text(now.astimezone(UTC) - timedelta(days=orders_initial_days()))
    return moscow_text(last - timedelta(hours=orders_lookback_hours()))


def orders_initial_days() -> int:
    return config.whole_number("WB_ORDERS_INITIAL_DAYS", settings.ORDERS_INITIAL_DAYS, 1, 365, "days")


def orders_lookback_hours() -> int:
    return config.whole_number("WB_ORDERS_LOOKBACK_HOURS", settings.ORDERS_LOOKBACK_HOURS, 0, 24 * 90, "hours")


def newest(current: str | None, candidate: str | None) -> str | None:
    """The later of two lastChangeDate texts (compared as times), kept as sent."""
    if parse_moscow(candidate) is None:
        return current
    if parse_moscow(current) is None or parse_moscow(candidate) > parse_moscow(current):
        return candidate
    return current


# --- analytics stocks, seller warehouses, offices --------------------------------------------------


def wb_warehouse_stock_pages(client: ApiClient, account: WildberriesAccount) -> Iterator[list[dict]]:
    """The rows of stocks-report/wb-warehouses (all nmIds) in lists of at most
    streaming.ROWS_PER_ITEM, offset paging until a short page. A page (up to 250,000 rows) goes to
    a temporary file and is read back a row at a time, like the statistics pages."""
    limit, offset = settings.WB_WAREHOUSE_STOCKS_PAGE_SIZE, 0
    endpoint = url(account, settings.WB_WAREHOUSE_STOCKS)
    download_client = streaming.streaming(client)
    with streaming.ReportFiles() as files:
        while True:
            body = {"nmIds": [], "chrtIds": [], "limit": limit, "offset": offset}
            download = files.download(download_client, endpoint, body=body)
            rows = 0
            for batch in streaming.batches(_json_rows(client, endpoint, download, ("data", "items"), objects=True)):
                rows += len(batch)
                yield batch
            download.path.unlink()
            if rows < limit:
                return
            offset += limit


def plain_list(client: ApiClient, account: WildberriesAccount, endpoint: Endpoint) -> list[dict]:
    """A marketplace list answered as a bare JSON array (warehouses, offices)."""
    address = url(account, endpoint)
    return rows_at(client, address, client.get(address))
