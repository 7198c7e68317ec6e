-- Stock now: one row per product, warehouse and stock type from each account's newest snapshot.
select
    product_key,
    warehouse_key,
    stock_type,
    marketplace,
    account,
    available_quantity,
    reserved_quantity,
    in_transit_quantity,
    snapshot_at,
    load_id
from {{ ref('int_stock_snapshots_unioned') }}
where is_latest
