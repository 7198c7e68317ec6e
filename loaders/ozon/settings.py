"""Ozon Seller API: endpoint versions, page sizes and limits in one place.

When Ozon retires a version, change it here (and in the sandbox).
"""

DEFAULT_BASE_URL = "https://api-seller.ozon.ru"

PRODUCT_LIST = "/v3/product/list"
PRODUCT_INFO_LIST = "/v3/product/info/list"
PRODUCT_STOCKS = "/v4/product/info/stocks"
ANALYTICS_STOCKS = "/v1/analytics/stocks"

PRODUCT_LIST_PAGE_SIZE = 1000
PRODUCT_STOCKS_PAGE_SIZE = 1000
ANALYTICS_STOCKS_SKUS_PER_CALL = 100

# `ALL` excludes archived products, which still hold stock and appear in orders,
# so the catalogue and the stock of /v4/product/info/stocks are read in two passes. The archive
# first: where `ALL` lists archived products too, a product both list is read once, as archived
# (the pass that listed it says so when `archived` is not sent).
CATALOGUE_VISIBILITIES = ("ARCHIVED", "ALL")

# Ozon allows 50 requests a second per Client-Id; stay a little below it.
REQUESTS_PER_SECOND = 40

# --- warehouses, clusters and the FBS warehouse stock report -------------------------------------

WAREHOUSE_LIST = "/v2/warehouse/list"
CLUSTER_LIST = "/v1/cluster/list"
WAREHOUSE_STOCK_REPORT = "/v1/report/warehouse/stock"
REPORT_INFO = "/v1/report/info"

WAREHOUSE_LIST_PAGE_SIZE = 200
CLUSTER_TYPES = ("CLUSTER_TYPE_OZON", "CLUSTER_TYPE_CIS")
REPORT_WAREHOUSES_PER_REQUEST = 50

# Polling /v1/report/info: the first wait, doubled after each answer up to the cap, until the
# deadline (OZON_REPORT_TIMEOUT_SECONDS overrides the default).
REPORT_TIMEOUT_SECONDS = 600.0
REPORT_POLL_FIRST_DELAY = 1.0
REPORT_POLL_MAX_DELAY = 30.0

# Columns of the FBS warehouse stock report file: Russian header as Ozon writes it -> raw column
# name and how its cells are read ("text": the apostrophe Ozon puts before numeric-looking text is
# dropped; "integer": a whole number, anything else makes the row malformed). Headers are matched
# by name, whatever their case and spacing (`reports.header_key`), so column order may change;
# `REPORT_REQUIRED_COLUMNS` must be present.
WAREHOUSE_STOCK_REPORT_COLUMNS = {
    "Идентификатор склада": ("warehouse_id", "integer"),
    "Название склада": ("warehouse_name", "text"),
    "Артикул": ("offer_id", "text"),
    "Наименование товара": ("product_name", "text"),
    "Доступно на моем складе, шт": ("available", "integer"),
    "Зарезервировано на моем складе, шт": ("reserved", "integer"),
}
REPORT_REQUIRED_COLUMNS = ("warehouse_id", "offer_id", "available", "reserved")

# --- orders (postings) ----------------------------------------------------------------------------

POSTING_FBO_LIST = "/v3/posting/fbo/list"
POSTING_FBS_LIST = "/v4/posting/fbs/list"
POSTING_PAGE_SIZE = 100  # the most v3 FBO and v4 FBS lists allow
# Ozon publishes no per-method limit for the posting lists but throttles backfills well below the
# 50 requests a second of a Client-Id; stay under the 20 a second the sandbox assumes.
POSTING_LIST_REQUESTS_PER_SECOND = 16
# The dlt cursor of each list: the time it selects and sorts by. FBO postings have created_at
# (in_process_at is filled late); v4 FBS postings have no created_at, in_process_at is their start.
POSTING_FBO_CURSOR = "created_at"
POSTING_FBS_CURSOR = "in_process_at"
# The first run reads this many days back; later runs re-read from the newest posting seen minus
# the look-back, because postings change status (delivered, cancelled, returned) for days after
# they are created, Ozon fills some fields late (in_process_at of FBO postings: 1-2 days), and the
# lists select by creation time. Env overrides: OZON_ORDERS_INITIAL_DAYS, OZON_ORDERS_LOOKBACK_DAYS.
ORDERS_INITIAL_DAYS = 90
ORDERS_LOOKBACK_DAYS = 14
# Orders keep changing status for weeks (a slow delivery, the pick-up point's storage, a return;
# ozon.md "late timestamps"), longer than the look-back re-reads them: once a day (the first load
# of each Moscow day) a load re-reads this many days. Env override: OZON_ORDERS_STATUS_DAYS.
ORDERS_STATUS_DAYS = 30
# One load holds at most this many days of postings: a longer window (the first run's, or a run
# after a long pause) is read in consecutive loads, each merged and committed before the next, so
# the load step's merge (the peak of a run's memory) is bounded by the window, not the history.
# Env override: OZON_ORDERS_WINDOW_DAYS.
ORDERS_WINDOW_DAYS = 90
# Postings that cannot be stored (no posting_number, no valid cursor time, no products list) go
# here, whole and with the reason, instead of failing the load.
POSTINGS_QUARANTINE_TABLE = "postings_quarantine"
