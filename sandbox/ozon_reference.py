"""Ozon warehouses and clusters: `/v2/warehouse/list` (the seller's own FBS and rFBS warehouses)
and `/v1/cluster/list` (Ozon's clusters and their FBO warehouses).

Shapes follow the Ozon Seller API documentation and the OpenAPI schemas `v2WarehouseListV2Response` and
`v1DraftClusterListResponse`. Neither method has a documented limit of its own: only the global
per-Client-Id limit applies. Every seller gets two FBS warehouses and one rFBS warehouse, drawn
from its Client-Id, and `seller_stock_by_warehouse` says which of them holds its FBS/rFBS stock.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from sandbox.ozon_warehouses import CANONICAL_WAREHOUSES, Warehouse, unknown_warehouse
from sandbox.server import ApiCall, ApiError

if TYPE_CHECKING:
    from sandbox.config import SandboxConfig
    from sandbox.server import MarketplaceApi

WAREHOUSE_LIST = "/v2/warehouse/list"
CLUSTER_LIST = "/v1/cluster/list"

MAX_WAREHOUSES_PAGE = 200
CLUSTER_TYPES = ("CLUSTER_TYPE_OZON", "CLUSTER_TYPE_CIS")
# Clusters outside Russia; every other cluster of the catalogue is CLUSTER_TYPE_OZON.
CIS_CLUSTERS = frozenset({"Беларусь", "Казахстан"})

_SELLER_SITES = (
    ("Основной склад", "Россия, Московская область, Подольск, улица Поливановская, 9", 55.43, 37.54),
    ("Склад Люберцы", "Россия, Московская область, Люберцы, Котельнический проезд, 12", 55.66, 37.89),
    ("Склад Казань", "Россия, Республика Татарстан, Казань, улица Восстания, 100", 55.85, 49.08),
    ("Склад Екатеринбург", "Россия, Свердловская область, Екатеринбург, Сибирский тракт, 24", 56.81, 60.70),
)
_SELLER_WAREHOUSES_CREATED = datetime(2024, 3, 11, 11, 57, 51, 811000, tzinfo=UTC)


class SellerWarehouse(NamedTuple):
    warehouse_id: int
    name: str
    is_rfbs: bool
    address: str
    latitude: float
    longitude: float
    created_at: datetime


def seller_warehouses(client_id: str) -> tuple[SellerWarehouse, ...]:
    """The seller's own warehouses, the same for a Client-Id in every sandbox: two FBS, then one rFBS."""
    rng = random.Random(f"ozon-seller-warehouses-{client_id}")  # noqa: S311 (fake data)
    sites = rng.sample(_SELLER_SITES, 3)
    return tuple(
        SellerWarehouse(
            warehouse_id=rng.randrange(10_000_000_000, 99_999_999_999) * 1000,
            name=f"{name} rFBS" if position == 2 else name,
            is_rfbs=position == 2,
            address=address,
            latitude=latitude,
            longitude=longitude,
            created_at=_SELLER_WAREHOUSES_CREATED + timedelta(days=17 * position, seconds=rng.randrange(86_400)),
        )
        for position, (name, address, latitude, longitude) in enumerate(sites)
    )


def seller_stock_by_warehouse(
    fbs_stock: Iterable[dict], warehouses: tuple[SellerWarehouse, ...]
) -> Iterable[tuple[SellerWarehouse, dict]]:
    """(warehouse, stock row) for each `fbs_stock` row of the ground truth (type fbs|rfbs, present,
    reserved): FBS stock sits in one of the FBS warehouses (by SKU), rFBS stock in the rFBS one."""
    fbs = [warehouse for warehouse in warehouses if not warehouse.is_rfbs]
    rfbs = [warehouse for warehouse in warehouses if warehouse.is_rfbs]
    for row in fbs_stock:
        candidates = rfbs if row["type"] == "rfbs" else fbs
        yield candidates[row["sku"] % len(candidates)], row


def register_reference_routes(api: MarketplaceApi, config: SandboxConfig) -> None:
    clusters = _clusters(CANONICAL_WAREHOUSES + tuple(map(unknown_warehouse, range(1, config.unknown_warehouses + 1))))
    api.route("POST", WAREHOUSE_LIST, _warehouse_list)
    api.route("POST", CLUSTER_LIST, lambda call: _cluster_list(call, clusters))


# --- handlers ------------------------------------------------------------------------------------


def _warehouse_list(call: ApiCall) -> dict:
    limit = call.body.get("limit")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_WAREHOUSES_PAGE:
        raise invalid_argument(f"limit is required and must be between 1 and {MAX_WAREHOUSES_PAGE}")
    wanted = set(parse_ids(call.body.get("warehouse_ids"), "warehouse_ids"))
    if len(wanted) > MAX_WAREHOUSES_PAGE:
        raise invalid_argument(f"warehouse_ids: at most {MAX_WAREHOUSES_PAGE} ids")
    after = _decode_cursor(call.body.get("cursor"))
    matches = sorted(
        (w for w in seller_warehouses(call.account.account.client_id) if not wanted or w.warehouse_id in wanted),
        key=lambda warehouse: warehouse.warehouse_id,
    )
    rest = [warehouse for warehouse in matches if warehouse.warehouse_id > after]
    page, has_next = rest[:limit], len(rest) > limit
    return {
        "cursor": _encode_cursor(page[-1].warehouse_id) if has_next else "",
        "has_next": has_next,
        "warehouses": [_warehouse(warehouse) for warehouse in page],
    }


def _cluster_list(call: ApiCall, clusters: list[dict]) -> dict:
    cluster_type = call.body.get("cluster_type")
    if cluster_type not in CLUSTER_TYPES:
        raise invalid_argument(f"cluster_type is required: one of {', '.join(CLUSTER_TYPES)}")
    wanted = set(parse_ids(call.body.get("cluster_ids"), "cluster_ids"))
    return {
        "clusters": [
            cluster
            for cluster in clusters
            if cluster["type"] == cluster_type and (not wanted or cluster["id"] in wanted)
        ]
    }


# --- rendering -----------------------------------------------------------------------------------


def _warehouse(warehouse: SellerWarehouse) -> dict:
    created_at = warehouse.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "address_info": {
            "address": warehouse.address,
            "latitude": warehouse.latitude,
            "longitude": warehouse.longitude,
            "utc": "UTC+03:00",
        },
        "carriage_label_type": "BIG",
        "courier_comment": "",
        "courier_phones": [],
        "created_at": created_at,
        "cut_in_time": 0,
        "first_mile": {
            "type": "DROP_OFF",
            "dropoff_point_id": str(warehouse.warehouse_id // 1000 + 7),
            "timeslot_from": "09:00",
            "timeslot_id": warehouse.warehouse_id % 1_000_000,
            "timeslot_to": "18:00",
            "first_mile_is_changing": False,
        },
        "has_entrusted_acceptance": False,
        "has_postings_limit": False,
        "is_auto_assembly": False,
        "is_comfort": False,
        "is_express": False,
        "is_kgt": False,
        "is_rfbs": warehouse.is_rfbs,
        "is_waybill_enabled": False,
        "min_postings_limit": 0,
        "name": warehouse.name,
        "pause_at": None,
        "phone": "+7(999)999-99-99",
        "postings_limit": -1,
        "sla_cut_in": 1440,
        "status": "created",
        "timetable": {"timetable_from": created_at, "timetable_to": "", "working_hours": []},
        "updated_at": created_at,
        "warehouse_id": warehouse.warehouse_id,
        "warehouse_type": "RFBS" if warehouse.is_rfbs else "FBS",
        "with_item_list": False,
        "working_days": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"],
    }


def _clusters(warehouses: tuple[Warehouse, ...]) -> list[dict]:
    """One cluster per cluster name of the catalogue, all its warehouses in one logistic cluster."""
    by_cluster: dict[str, list[Warehouse]] = {}
    for warehouse in warehouses:
        by_cluster.setdefault(warehouse.cluster_name, []).append(warehouse)
    return [
        {
            "id": members[0].cluster_id,
            "name": name,
            "type": "CLUSTER_TYPE_CIS" if name in CIS_CLUSTERS else "CLUSTER_TYPE_OZON",
            "macrolocal_cluster_id": members[0].macrolocal_cluster_id,
            "logistic_clusters": [
                {
                    "warehouses": [
                        {
                            "warehouse_id": warehouse.warehouse_id,
                            "name": warehouse.canonical_name,
                            "type": "SORTING_CENTER" if warehouse.canonical_name.endswith("СЦ") else "FULL_FILLMENT",
                        }
                        for warehouse in members
                    ]
                }
            ],
        }
        for name, members in by_cluster.items()
    ]


# --- request parsing -----------------------------------------------------------------------------


def invalid_argument(message: str) -> ApiError:
    return ApiError(400, {"code": 3, "message": message, "details": []})


def parse_ids(value: Any, name: str) -> list[int]:
    """An array of int64 ids, sent as strings or numbers."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid_argument(f"{name} must be an array")
    ids = []
    for item in value:
        text = str(item).strip() if isinstance(item, int | str) and not isinstance(item, bool) else ""
        if not (text.isascii() and text.isdigit()):
            raise invalid_argument(f"{name}: {item!r} is not a valid id")
        ids.append(int(text))
    return ids


def _encode_cursor(warehouse_id: int) -> str:
    return base64.b64encode(json.dumps({"after_warehouse_id": warehouse_id}).encode()).decode()


def _decode_cursor(value: Any) -> int:
    if value in (None, ""):
        return 0
    try:
        after = json.loads(base64.b64decode(str(value), validate=True))["after_warehouse_id"]
    except (binascii.Error, ValueError, TypeError, LookupError):
        raise invalid_argument("invalid cursor") from None
    if isinstance(after, bool) or not isinstance(after, int):
        raise invalid_argument("invalid cursor")
    return after
