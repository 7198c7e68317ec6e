-- Available stock that moved between two consecutive syncs of a source by more than var
-- stock_jump_share of the stock before (and at least var stock_jump_min_units units) beyond what
-- explains it: a drop by the units ordered in between (fact_orders, every status: an order takes
-- its units when placed), a rise by the units that arrived from supplies, i.e. that were in transit
-- at the syncs of the week before (for sources that report in-transit units). Sources without
-- in-transit units (Ozon's seller stock, the WB report) cannot tell a supply from a surprise at one
-- product, so their product rises are not flagged; their warehouse totals are. A product the
-- catalogue has archived whose stock went to 0 was written off (Ozon writes off the seller's own stock
-- of an archived product): not a jump.
-- Two levels: each product × warehouse × stock type, and each warehouse × stock type (summed over
-- products: a whole warehouse losing 40 % is the key case).
with snapshots as (
    select * from {{ ref('int_stock_snapshots_filled') }}
),

sources as (
    select
        marketplace,
        account,
        snapshot_source,
        max(case when in_transit_quantity is not null then 1 else 0 end) = 1 as reports_in_transit
    from {{ ref('int_stock_snapshots_unioned') }}
    group by marketplace, account, snapshot_source
),

steps as (
    select
        *,
        lag(available_quantity) over stock_cell as previous_available_quantity,
        lag(snapshot_at) over stock_cell as previous_snapshot_at
    from snapshots
    window stock_cell as (
        partition by marketplace, account, snapshot_source, product_key, warehouse_key, stock_type
        order by snapshot_at
    )
),

transitions as (
    select *
    from steps
    where previous_snapshot_at is not null
),

ordered as (
    select
        {{ stock_cell_columns('transitions') }},
        transitions.load_id,
        sum(orders.quantity) as units_ordered
    from transitions
    inner join {{ ref('fact_orders') }} as orders
        on
            transitions.marketplace = orders.marketplace
            and transitions.account = orders.account
            and transitions.product_key = orders.product_key
            and transitions.warehouse_key = orders.warehouse_key
            and transitions.previous_snapshot_at < orders.ordered_at
            and transitions.snapshot_at >= orders.ordered_at
    group by
        {{ stock_cell_columns('transitions') }},
        transitions.load_id
),

-- Units that were on their way in the week before the earlier sync (or since): a supply that
-- arrives between the two syncs was in transit at one of them.
supplied as (
    select
        {{ stock_cell_columns('transitions') }},
        transitions.load_id,
        max(earlier.in_transit_quantity) as units_in_transit
    from transitions
    inner join snapshots as earlier
        on
            {{ same_stock_cell('transitions', 'earlier') }}
            and transitions.snapshot_at > earlier.snapshot_at
            and earlier.snapshot_at >= {{ add_interval('transitions.previous_snapshot_at', -7, 'day') }}
    group by
        {{ stock_cell_columns('transitions') }},
        transitions.load_id
),

explained as (
    select
        transitions.marketplace,
        transitions.account,
        transitions.snapshot_source,
        transitions.product_key,
        transitions.warehouse_key,
        transitions.stock_type,
        transitions.load_id,
        transitions.previous_snapshot_at,
        transitions.snapshot_at,
        sources.reports_in_transit,
        transitions.previous_available_quantity,
        transitions.available_quantity,
        coalesce(ordered.units_ordered, 0)
        + case
            when coalesce(products.is_archived, false) and transitions.available_quantity = 0
                then transitions.previous_available_quantity
            else 0
        end as units_ordered,
        case when sources.reports_in_transit then coalesce(supplied.units_in_transit, 0) else 0 end
            as units_supplied
    from transitions
    inner join sources
        using (marketplace, account, snapshot_source)
    left join {{ ref('dim_products') }} as products
        on transitions.product_key = products.product_key
    left join ordered
        on
            {{ same_stock_cell('transitions', 'ordered') }}
            and transitions.load_id = ordered.load_id
    left join supplied
        on
            {{ same_stock_cell('transitions', 'supplied') }}
            and transitions.load_id = supplied.load_id
),

by_product as (
    select
        'product' as jump_level,
        marketplace,
        account,
        snapshot_source,
        product_key,
        warehouse_key,
        stock_type,
        load_id,
        previous_snapshot_at,
        snapshot_at,
        reports_in_transit,
        previous_available_quantity,
        available_quantity,
        units_ordered,
        units_supplied
    from explained
),

by_warehouse as (
    select
        'warehouse' as jump_level,
        marketplace,
        account,
        snapshot_source,
        cast(null as varchar) as product_key,
        warehouse_key,
        stock_type,
        load_id,
        max(previous_snapshot_at) as previous_snapshot_at,
        max(snapshot_at) as snapshot_at,
        -- a warehouse total has no supply test of its own: every rise beyond the share is flagged
        true as reports_in_transit,
        sum(previous_available_quantity) as previous_available_quantity,
        sum(available_quantity) as available_quantity,
        sum(units_ordered) as units_ordered,
        sum(units_supplied) as units_supplied
    from explained
    group by marketplace, account, snapshot_source, warehouse_key, stock_type, load_id
),

levels as (
    select * from by_product
    union all
    select * from by_warehouse
),

measured as (
    select
        *,
        available_quantity - previous_available_quantity as available_change,
        case
            when available_quantity < previous_available_quantity
                then previous_available_quantity - available_quantity - units_ordered
            when reports_in_transit
                then available_quantity - previous_available_quantity - units_supplied
            else 0
        end as unexplained_units
    from levels
)

select
    jump_level,
    marketplace,
    account,
    snapshot_source,
    product_key,
    warehouse_key,
    stock_type,
    case when available_change < 0 then 'drop' else 'rise' end as direction,
    previous_snapshot_at,
    snapshot_at,
    load_id,
    previous_available_quantity,
    available_quantity,
    available_change,
    units_ordered,
    units_supplied,
    unexplained_units,
    1.0 * unexplained_units / nullif(previous_available_quantity, 0) as unexplained_share
from measured
where
    unexplained_units >= {{ var('stock_jump_min_units') }}
    and unexplained_units > {{ var('stock_jump_share') }} * previous_available_quantity
