-- The audit trail of stock: one row each time a snapshot shows a product × warehouse × stock type
-- with other quantities than the snapshot before it (the first sighting included), with the old
-- and new quantities and the load that saw the change.

with filled as (
    select
        *,
        lag(available_quantity) over (
            partition by product_key, warehouse_key, stock_type, snapshot_source order by snapshot_at
        ) as previous_available_quantity,
        lag(reserved_quantity) over (
            partition by product_key, warehouse_key, stock_type, snapshot_source order by snapshot_at
        ) as previous_reserved_quantity,
        lag(in_transit_quantity) over (
            partition by product_key, warehouse_key, stock_type, snapshot_source order by snapshot_at
        ) as previous_in_transit_quantity,
        lag(snapshot_at) over (
            partition by product_key, warehouse_key, stock_type, snapshot_source order by snapshot_at
        ) as previous_snapshot_at
    from {{ ref('int_stock_snapshots_filled') }}
)

select
    product_key,
    warehouse_key,
    stock_type,
    marketplace,
    account,
    snapshot_at as changed_at,
    previous_snapshot_at,
    previous_available_quantity,
    available_quantity,
    available_quantity - coalesce(previous_available_quantity, 0) as available_change,
    previous_reserved_quantity,
    reserved_quantity,
    previous_in_transit_quantity,
    in_transit_quantity,
    load_id
from filled
where
    previous_snapshot_at is null
    or available_quantity <> previous_available_quantity
    or reserved_quantity <> previous_reserved_quantity
    or in_transit_quantity <> previous_in_transit_quantity
