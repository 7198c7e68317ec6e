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
# so the catalogue is read in two passes.
CATALOGUE_VISIBILITIES = ("ALL", "ARCHIVED")

# Ozon allows 50 requests a second per Client-Id; stay a little below it.
REQUESTS_PER_SECOND = 40
