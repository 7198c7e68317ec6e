"""Wildberries seller API: hosts, endpoint paths, page sizes and limits in one place.

Source of truth: the Wildberries API documentation (WB's OpenAPI, Aug 2026). When WB moves or
retires a method, change it here (and in the sandbox). `WB_API_BASE_URL` (account.base_url)
replaces every host below with one server, the sandbox.
"""

# --- hosts ----------------------------------------------------------------------------------------

CONTENT_HOST = "https://content-api.wildberries.ru"
STATISTICS_HOST = "https://statistics-api.wildberries.ru"
ANALYTICS_HOST = "https://seller-analytics-api.wildberries.ru"
MARKETPLACE_HOST = "https://marketplace-api.wildberries.ru"

# --- endpoints: (host, path) ----------------------------------------------------------------------

CARDS_LIST = (CONTENT_HOST, "/content/v2/get/cards/list")
CARDS_TRASH = (CONTENT_HOST, "/content/v2/get/cards/trash")
ORDERS = (STATISTICS_HOST, "/api/v1/supplier/orders")
SALES = (STATISTICS_HOST, "/api/v1/supplier/sales")
WAREHOUSE_REMAINS = (ANALYTICS_HOST, "/api/v1/warehouse_remains")
WAREHOUSE_REMAINS_STATUS = (ANALYTICS_HOST, "/api/v1/warehouse_remains/tasks/{task_id}/status")
WAREHOUSE_REMAINS_DOWNLOAD = (ANALYTICS_HOST, "/api/v1/warehouse_remains/tasks/{task_id}/download")
WB_WAREHOUSE_STOCKS = (ANALYTICS_HOST, "/api/analytics/v1/stocks-report/wb-warehouses")
SELLER_WAREHOUSES = (MARKETPLACE_HOST, "/api/v3/warehouses")
OFFICES = (MARKETPLACE_HOST, "/api/v3/offices")

# --- rate limits: minimum seconds between two calls of one account --------------------------------
# The documented limits of personal/service tokens (§1.4). WB_RATE_LIMIT_SCALE (sandbox only; default
# 1) divides every interval, to match a sandbox run with rate_limit_scale > 1.

ENDPOINT_INTERVALS = {
    ORDERS: 60.0,
    SALES: 60.0,
    WAREHOUSE_REMAINS: 60.0,
    WAREHOUSE_REMAINS_STATUS: 5.0,
    WAREHOUSE_REMAINS_DOWNLOAD: 60.0,
    WB_WAREHOUSE_STOCKS: 20.0,
    CARDS_LIST: 0.6,
    CARDS_TRASH: 0.6,
    SELLER_WAREHOUSES: 0.2,
    OFFICES: 0.2,
}

# WB measures spacing on arrival; a little extra keeps latency jitter from costing a 429.
PACING_MARGIN = 1.05

# Endpoints that draw on the bucket of another: every Контент method shares one limit per account
# (100 a minute), so cards/trash is paced together with cards/list, not beside it.
SHARED_PACING = {CARDS_TRASH: CARDS_LIST}

# --- content cards --------------------------------------------------------------------------------

CARDS_PAGE_SIZE = 100  # the most cursor.limit allows
# Since 2026-06-16 0 means "any" and 2 "without photo"; before, 0 meant "without photo". -1 is
# "all" in both, so it is always sent explicitly.
CARDS_WITH_PHOTO = -1
CARDS_TRASH_PAGE_SIZE = 100  # the most cursor.limit allows

# --- statistics orders and sales -------------------------------------------------------------------

# The first run reads this many days back (WB keeps 90); later runs restart from the newest
# lastChangeDate seen minus the look-back, because sales money fields settle within 24 h.
# Env overrides: WB_ORDERS_INITIAL_DAYS, WB_ORDERS_LOOKBACK_HOURS.
ORDERS_INITIAL_DAYS = 90
ORDERS_LOOKBACK_HOURS = 24
STATISTICS_CURSOR = "lastChangeDate"
ORDERS_KEY = "srid"
SALES_KEY = "saleID"
STATISTICS_QUARANTINE_TABLE = "statistics_quarantine"

# --- warehouse_remains report ----------------------------------------------------------------------

WAREHOUSE_REMAINS_PARAMS = {
    "locale": "ru",
    "groupByBrand": "true",
    "groupBySubject": "true",
    "groupBySa": "true",
    "groupByNm": "true",
    "groupByBarcode": "true",
    "groupBySize": "true",
}
# Polling the status: the first wait, doubled after each answer up to the cap, until the deadline
# (WB_REPORT_TIMEOUT_SECONDS overrides the default). The 1-per-5-s status limit is paced on top. A
# plain base token may poll 4 times an hour: its second poll comes 15 min after the first, as WB's
# 429 asks, so the deadline leaves room for one such wait.
REPORT_TIMEOUT_SECONDS = 1200.0
REPORT_POLL_FIRST_DELAY = 5.0
REPORT_POLL_MAX_DELAY = 30.0
REPORT_ROWS_PER_PAGE = 1000

# --- analytics stocks on WB warehouses -------------------------------------------------------------

WB_WAREHOUSE_STOCKS_PAGE_SIZE = 250_000  # the most `limit` allows

# --- numbers that WB sends as JSON numbers, whole or not ------------------------------------------
# Sent as floats so that a whole first value (1887) does not type the column as bigint and push
# later fractions (1145.5) into a variant column. Dotted names reach into nested objects.
DOUBLE_FIELDS = {
    "orders": ("totalPrice", "spp", "finishedPrice", "priceWithDisc"),
    "sales": ("totalPrice", "spp", "finishedPrice", "priceWithDisc", "forPay"),
    "cards": ("dimensions.weightBrutto",),
    "cards_trash": ("dimensions.weightBrutto",),
    "warehouse_remains": ("volume",),
    "offices": ("longitude", "latitude"),
}
