-- Stock sources that stopped moving: at least var frozen_feed_syncs consecutive snapshots of a
-- source (marketplace, account, snapshot source) with exactly the same rows (no product ×
-- warehouse × stock type changed, appeared or ran out) while units were ordered at the warehouses
-- that source covers between the first and the last of them. Orders take stock when placed, so a
-- feed that repeats itself while they move serves old stock. One row per frozen stretch.
with snapshots as (
    select
        *,
        lag(snapshot_at) over stock_cell as previous_snapshot_at,
        lag(available_quantity) over stock_cell as previous_available_quantity,
        lag(reserved_quantity) over stock_cell as previous_reserved_quantity,
        lag(in_transit_quantity) over stock_cell as previous_in_transit_quantity
    from {{ ref('int_stock_snapshots_filled') }}
    window stock_cell as (
        partition by marketplace, account, snapshot_source, product_key, warehouse_key, stock_type
        order by snapshot_at
    )
),

syncs as (
    select
        marketplace,
        account,
        snapshot_source,
        load_id,
        snapshot_at,
        count(*) as stock_rows,
        sum(
            case
                when
                    previous_snapshot_at is null
                    or available_quantity <> previous_available_quantity
                    or reserved_quantity <> previous_reserved_quantity
                    or in_transit_quantity <> previous_in_transit_quantity
                    then 1
                else 0
            end
        ) as changed_rows
    from snapshots
    group by marketplace, account, snapshot_source, load_id, snapshot_at
),

-- Each snapshot that changed something starts a stretch; the identical ones after it belong to it.
stretches as (
    select
        *,
        sum(case when changed_rows > 0 then 1 else 0 end) over (
            partition by marketplace, account, snapshot_source
            order by snapshot_at
            rows between unbounded preceding and current row
        ) as stretch_number
    from syncs
),

stretch_bounds as (
    select
        marketplace,
        account,
        snapshot_source,
        stretch_number,
        count(*) as identical_snapshots,
        min(snapshot_at) as frozen_since,
        max(snapshot_at) as last_snapshot_at,
        max(load_id) as load_id,
        max(stock_rows) as stock_rows
    from stretches
    group by marketplace, account, snapshot_source, stretch_number
),

source_warehouses as (
    select distinct
        marketplace,
        account,
        snapshot_source,
        warehouse_key
    from snapshots
),

moving as (
    select
        stretch_bounds.marketplace,
        stretch_bounds.account,
        stretch_bounds.snapshot_source,
        stretch_bounds.stretch_number,
        count(*) as order_lines,
        sum(orders.quantity) as units_ordered
    from stretch_bounds
    inner join source_warehouses
        using (marketplace, account, snapshot_source)
    inner join {{ ref('fact_orders') }} as orders
        on
            source_warehouses.marketplace = orders.marketplace
            and source_warehouses.account = orders.account
            and source_warehouses.warehouse_key = orders.warehouse_key
            and stretch_bounds.frozen_since < orders.ordered_at
            and stretch_bounds.last_snapshot_at >= orders.ordered_at
    group by
        stretch_bounds.marketplace,
        stretch_bounds.account,
        stretch_bounds.snapshot_source,
        stretch_bounds.stretch_number
)

select
    stretch_bounds.marketplace,
    stretch_bounds.account,
    stretch_bounds.snapshot_source,
    stretch_bounds.frozen_since,
    stretch_bounds.last_snapshot_at,
    stretch_bounds.load_id,
    stretch_bounds.identical_snapshots,
    stretch_bounds.stock_rows,
    moving.order_lines,
    moving.units_ordered
from stretch_bounds
inner join moving
    using (marketplace, account, snapshot_source, stretch_number)
where stretch_bounds.identical_snapshots >= {{ var('frozen_feed_syncs') }}
