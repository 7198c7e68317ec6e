-- The products whose FBO stock an Ozon analytics_stocks snapshot did not ask for, one row per
-- product and snapshot: the loader asks /v1/analytics/stocks for the SKUs of the product list it
-- read in the same run, so a product that list left out (a fault of the answer: Ozon deletes only
-- products never on sale) has no row in that snapshot, whatever its stock. The load stores that list
-- with the snapshot, stock group included (loaders/pipeline.py with_feeders), and the list merges on
-- product_id, so its row of such a product was last listed before the snapshot. Only products the
-- feed listed before that snapshot are here: their stock there is unknown, not 0
-- (int_ozon_stock_snapshots gives their cells a row that fails, so the stock models keep the last
-- known stock), and int_ozon_quality_issues warns (rule left_out_of_product_list). A product listed
-- again is asked again; the snapshots it missed then read as if asked, as the list keeps no history.
-- A table: as a view it depended on four staging views, and PostgreSQL deadlocked when a build's two
-- threads replaced two of them at once (dbt drops a replaced view with cascade, and both drops
-- reached this one).
{{ config(materialized='table') }}

with snapshots as (
    {{ reported_snapshot_loads('ozon', 'analytics_stocks') }}
),

newest_snapshots as (
    select
        account,
        max(snapshot_at) as snapshot_at
    from snapshots
    group by account
),

left_out as (
    -- the list rows the newest list of their account no longer named (the newest list names most)
    select
        list_items.account,
        list_items.product_id,
        list_items.synced_at
    from {{ ref('stg_ozon__product_list_items') }} as list_items
    inner join newest_snapshots
        on list_items.account = newest_snapshots.account
    where list_items.synced_at < newest_snapshots.snapshot_at
),

first_stocked as (
    select
        left_out.account,
        left_out.product_id,
        left_out.synced_at as last_listed_at,
        skus.product_ref,
        min(stocks.synced_at) as first_listed_at
    from left_out
    inner join {{ ref('int_ozon_product_skus') }} as skus
        on
            left_out.account = skus.account
            and left_out.product_id = skus.product_id
    inner join {{ ref('stg_ozon__analytics_stocks') }} as stocks
        on
            skus.account = stocks.account
            and skus.sku = stocks.sku
    group by left_out.account, left_out.product_id, left_out.synced_at, skus.product_ref
)

select
    snapshots.account,
    first_stocked.product_id,
    first_stocked.product_ref,
    first_stocked.last_listed_at,
    snapshots.snapshot_at,
    snapshots.load_id
from snapshots
inner join first_stocked
    on
        snapshots.account = first_stocked.account
        and snapshots.snapshot_at > first_stocked.last_listed_at
        and snapshots.snapshot_at > first_stocked.first_listed_at
