"""Sparse mode (`SandboxConfig.sparse`): every JSON 200 keeps only the fields of its route's shape.

A shape maps a field name to KEEP (the value as served), NULL (sent as null), EMPTY (sent as [])
or a nested shape, which applies to an object or to every element of an array. A field the shape
does not name is left out; so is a named field the answer does not have. An answer that is not
JSON (the Ozon CSV report file, a truncated download) or not a 200 is served as it is.

The shapes were derived once from the marketplaces' OpenAPI files (Ozon `ozon-seller-swagger.json`,
changelog to 2026-04-08; WB `wb-02-items.yaml`, `wb-11-analytics.yaml`, `wb-12-reports.yaml`, the
2026-08-18 snapshot; reference copies outside the project, not in a clean clone) by resolving
each route's 200 schema (`$ref`, `allOf`) and collecting what it marks `required`, and are written
here as data: nothing reads the files at run time. What the specs mark required is
`SPEC_REQUIRED`. They mark almost nothing, so `KEPT` adds what the real APIs always send and the
loaders cannot work without (envelopes, paging, row keys, incremental cursors, the report flow,
and what the loaders check row by row) and the nullable or often-empty fields served as null or []
rather than left out.
"""

from __future__ import annotations

from typing import Any, Union

KEEP, NULL, EMPTY = "keep", "null", "empty"
Shape = dict[str, Union[str, "Shape"]]

# --- what the OpenAPI files mark `required` in the 200 answer, per route -------------------------
# Ozon: no response field of any of these routes (the file has `required` only in requests). The
# posting lists /v3/posting/fbo/list and /v4/posting/fbs/list are not in this copy of the spec
# (ozon.md §5 documents them); their predecessors /v2/posting/fbo/list and /v3/posting/fbs/list
# mark nothing required either. WB: only stocks-report/wb-warehouses (`data`, `data.items` and all
# eight item fields); `federalDistrict` of /api/v3/offices is the only field marked nullable.

_WB_WAREHOUSES_ITEM = (
    "nmId",
    "chrtId",
    "warehouseId",
    "warehouseName",
    "regionName",
    "quantity",
    "inWayToClient",
    "inWayFromClient",
)

SPEC_REQUIRED: dict[str, Shape] = {
    "/v3/product/list": {},
    "/v3/product/info/list": {},
    "/v4/product/info/stocks": {},
    "/v1/analytics/stocks": {},
    "/v2/warehouse/list": {},
    "/v1/cluster/list": {},
    "/v1/report/warehouse/stock": {},
    "/v1/report/info": {},
    "/v3/posting/fbo/list": {},
    "/v4/posting/fbs/list": {},
    "/content/v2/get/cards/list": {},
    "/content/v2/get/cards/trash": {},
    "/api/v1/supplier/orders": {},
    "/api/v1/supplier/sales": {},
    "/api/v1/warehouse_remains": {},
    "/api/v1/warehouse_remains/tasks/{task_id}/status": {},
    "/api/v1/warehouse_remains/tasks/{task_id}/download": {},
    "/api/analytics/v1/stocks-report/wb-warehouses": {"data": {"items": dict.fromkeys(_WB_WAREHOUSES_ITEM, KEEP)}},
    "/api/v3/warehouses": {},
    "/api/v3/offices": {},
}

# --- not marked required, but kept (KEEP), or sent as null (NULL) / [] (EMPTY) -------------------
# KEEP: envelopes and paging the loaders follow (`result`, `items`, `last_id`, `cursor`, `has_next`,
# WB `cursor.total`); row keys the loaders merge on and the ids that join one API to another
# (Ozon product_id/id, offer_id, sku, warehouse_id, posting_number; WB nmID/nmId, vendorCode/
# supplierArticle, chrtID, barcode/skus, srid, saleID, warehouse and office ids); the incremental
# cursors (`created_at` of FBO postings, `in_process_at` of FBS ones, `lastChangeDate`, card
# `updatedAt`, trashed card `trashedAt`); the report flow (code, status, file; taskId, status);
# and what the loaders check in every row (a posting's `products` list, a warehouse_remains row's
# `warehouses` entries).
# NULL: fields the contract gives as null when there is nothing to say (a warehouse not paused, an
# FBO posting Ozon has not put in process yet, a posting not cancelled or not to a legal entity, an
# office outside Russia). EMPTY: arrays that are empty for many real products (no barcode: Ozon
# has the visibility EMPTY_BARCODE; no item tags; a WB card without photos, which withPhoto=2
# selects, or without tags).

_POSTING_PRODUCT = {"sku": KEEP, "offer_id": KEEP}
_NOT_FILLED = {"cancellation": NULL, "legal_info": NULL}
_STATISTICS_ROW = {"srid": KEEP, "lastChangeDate": KEEP, "nmId": KEEP, "barcode": KEEP, "supplierArticle": KEEP}

KEPT: dict[str, Shape] = {
    "/v3/product/list": {"result": {"items": {"product_id": KEEP, "offer_id": KEEP, "sku": KEEP}, "last_id": KEEP}},
    "/v3/product/info/list": {"items": {"id": KEEP, "offer_id": KEEP, "sku": KEEP, "barcodes": EMPTY}},
    "/v4/product/info/stocks": {
        "cursor": KEEP,
        "items": {"product_id": KEEP, "offer_id": KEEP, "stocks": {"sku": KEEP, "type": KEEP}},
    },
    "/v1/analytics/stocks": {"items": {"sku": KEEP, "offer_id": KEEP, "warehouse_id": KEEP, "item_tags": EMPTY}},
    "/v2/warehouse/list": {"cursor": KEEP, "has_next": KEEP, "warehouses": {"warehouse_id": KEEP, "pause_at": NULL}},
    "/v1/cluster/list": {"clusters": {"id": KEEP, "logistic_clusters": {"warehouses": {"warehouse_id": KEEP}}}},
    "/v1/report/warehouse/stock": {"result": {"code": KEEP}},
    "/v1/report/info": {"result": {"code": KEEP, "status": KEEP, "file": KEEP}},
    "/v3/posting/fbo/list": {
        "postings": {
            "posting_number": KEEP,
            "created_at": KEEP,
            "in_process_at": NULL,
            "products": _POSTING_PRODUCT,
            **_NOT_FILLED,
        },
        "has_next": KEEP,
        "cursor": KEEP,
    },
    "/v4/posting/fbs/list": {
        "postings": {"posting_number": KEEP, "in_process_at": KEEP, "products": _POSTING_PRODUCT, **_NOT_FILLED},
        "has_next": KEEP,
        "cursor": KEEP,
    },
    "/content/v2/get/cards/list": {
        "cards": {
            "nmID": KEEP,
            "vendorCode": KEEP,
            "sizes": {"chrtID": KEEP, "skus": KEEP},
            "photos": EMPTY,
            "tags": EMPTY,
            "updatedAt": KEEP,
        },
        "cursor": {"updatedAt": KEEP, "nmID": KEEP, "total": KEEP},
    },
    # techSize too: the size of a trashed card cannot be looked up in the cards list.
    "/content/v2/get/cards/trash": {
        "cards": {
            "nmID": KEEP,
            "vendorCode": KEEP,
            "sizes": {"chrtID": KEEP, "skus": KEEP, "techSize": KEEP},
            "trashedAt": KEEP,
        },
        "cursor": {"trashedAt": KEEP, "nmID": KEEP, "total": KEEP},
    },
    "/api/v1/supplier/orders": _STATISTICS_ROW,
    "/api/v1/supplier/sales": {"saleID": KEEP, **_STATISTICS_ROW},
    "/api/v1/warehouse_remains": {"data": {"taskId": KEEP}},
    "/api/v1/warehouse_remains/tasks/{task_id}/status": {"data": {"status": KEEP}},
    "/api/v1/warehouse_remains/tasks/{task_id}/download": {
        "nmId": KEEP,
        "barcode": KEEP,
        "vendorCode": KEEP,
        "warehouses": {"warehouseName": KEEP, "quantity": KEEP},
    },
    "/api/v3/warehouses": {"id": KEEP, "officeId": KEEP},
    "/api/v3/offices": {"id": KEEP, "federalDistrict": NULL},
}


def _merge(first: Shape, second: Shape) -> Shape:
    merged = dict(first)
    for name, rule in second.items():
        both = isinstance(merged.get(name), dict) and isinstance(rule, dict)
        merged[name] = _merge(merged[name], rule) if both else rule
    return merged


SHAPES: dict[str, Shape] = {path: _merge(shape, KEPT.get(path, {})) for path, shape in SPEC_REQUIRED.items()}


def prune(value: Any, shape: Shape) -> Any:
    """`value` cut to `shape`: an object keeps (in its own order) the fields the shape names, an
    array is pruned element by element, anything else stays as it is."""
    if isinstance(value, list):
        return [prune(item, shape) for item in value]
    if not isinstance(value, dict):
        return value
    pruned = {}
    for name, item in value.items():
        rule = shape.get(name)
        if rule == KEEP:
            pruned[name] = item
        elif rule == NULL:
            pruned[name] = None
        elif rule == EMPTY:
            pruned[name] = []
        elif isinstance(rule, dict):
            pruned[name] = prune(item, rule)
    return pruned
