-- Wildberries' pair of stock figures per size and load (see source_comparisons), null where a source gave none
-- (but for the report read whole: 0):
-- the warehouse_remains report (real warehouses) vs the analytics wb-warehouses rows (chrtID ↔ techSize
-- through the cards).
{{ config(enabled=marketplace_enabled('wildberries')) }}
-- The size of every analytics row, through the cards; a card the catalogue does not hold (trashed,
-- or new since the cards were loaded) has no sizes to map, so it is compared as a whole (`<nmID>/*`).
with wildberries_analytics_sized as (
    select
        stocks.account,
        stocks.load_id,
        stocks.nm_id,
        sizes.tech_size,
        stocks.synced_at,
        stocks.available_quantity
    from ({{ completed_snapshot_rows('wildberries', 'wb_warehouse_stocks') }}) as stocks
    left join {{ ref('stg_wildberries__card_sizes') }} as sizes
        on
            stocks.account = sizes.account
            and stocks.chrt_id = sizes.chrt_id
),

wildberries_unmapped_cards as (
    select distinct
        account,
        load_id,
        nm_id
    from wildberries_analytics_sized
    where tech_size is null
),

wildberries_remains as (
    select
        remains.account,
        remains.load_id,
        {{ wildberries_comparison_key('remains') }} as product_key,
        max(remains.synced_at) as snapshot_at,
        sum(remains.quantity) as quantity
    from ({{ completed_snapshot_rows('wildberries', 'warehouse_remains') }}) as remains
    left join wildberries_unmapped_cards as unmapped
        on
            remains.account = unmapped.account
            and remains.load_id = unmapped.load_id
            and remains.nm_id = unmapped.nm_id
    where not remains.is_pseudo_warehouse and remains.report_copy = 1
    group by
        remains.account,
        remains.load_id,
        {{ wildberries_comparison_key('remains') }}
),

wildberries_analytics as (
    select
        sized.account,
        sized.load_id,
        {{ wildberries_comparison_key('sized') }} as product_key,
        max(sized.synced_at) as snapshot_at,
        sum(sized.available_quantity) as quantity
    from wildberries_analytics_sized as sized
    left join wildberries_unmapped_cards as unmapped
        using (account, load_id, nm_id)
    group by
        sized.account,
        sized.load_id,
        {{ wildberries_comparison_key('sized') }}
),

-- The loads that read the report whole, the marts' source: a size it lacks there is 0, as in the
-- marts, even when it listed nothing at all (an answer that came back empty is what the comparison
-- must catch).
wildberries_remains_loads as (
    {{ reported_snapshot_loads('wildberries', 'warehouse_remains') }}
),

-- Every size either source gave in a load; a quantity is null where its source gave none.
wildberries_pairs as (
    select
        'wildberries' as marketplace,
        'wildberries_fbw' as comparison,
        coalesce(remains.account, analytics.account) as account,  -- noqa: RF04
        coalesce(remains.load_id, analytics.load_id) as load_id,
        coalesce(remains.product_key, analytics.product_key) as product_key,
        coalesce(remains.snapshot_at, analytics.snapshot_at) as snapshot_at,
        case
            when remains_loads.load_id is null then remains.quantity else coalesce(remains.quantity, 0)
        end as expected_quantity,
        analytics.quantity as observed_quantity
    from wildberries_remains as remains
    full outer join wildberries_analytics as analytics
        using (account, load_id, product_key)
    left join wildberries_remains_loads as remains_loads
        on
            coalesce(remains.account, analytics.account) = remains_loads.account
            and coalesce(remains.load_id, analytics.load_id) = remains_loads.load_id
)

select * from wildberries_pairs
