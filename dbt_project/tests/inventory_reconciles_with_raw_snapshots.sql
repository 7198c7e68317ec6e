{{ config(enabled=marketplace_enabled("ozon")) }}

-- No unit is lost or invented between the newest completed raw snapshot and the inventory mart:
-- per account and stock type, inventory available = analytics available (fbo) or
-- present - reserved (seller stock). Computed from the staging models on purpose, not from the
-- intermediate models the mart is built from; rows with an error-level data quality issue
-- (data_quality_issues), the copies of a row the answer repeats (answer_copy) and snapshots the
-- loader reported incomplete (resource_outcomes) are not counted. Returns the accounts and stock
-- types that disagree.
with analytics as (
    select stocks.*
    from ({{ completed_snapshot_rows('ozon', 'analytics_stocks') }}) as stocks
    where stocks.answer_copy = 1 and {{ passes_quality_checks(
        'ozon', 'analytics_stocks', 'stocks.account', ozon_analytics_stock_natural_key('stocks'), 'stocks.load_id'
    ) }}
),

product_stocks as (
    select stocks.*
    from ({{ completed_snapshot_rows('ozon', 'product_stocks') }}) as stocks
    where
        stocks.answer_copy = 1
        and (
            stocks.stock_type = 'fbo'
            or {{ passes_quality_checks(
                'ozon', 'product_stocks', 'stocks.account', ozon_product_stock_natural_key('stocks'), 'stocks.load_id'
            ) }}
        )
),

-- Each account's newest load per source (a join, not a correlated subquery: PostgreSQL would
-- rescan the whole snapshot history for every row); a newest load without rows is no stock now.
newest_analytics as (
    {{ newest_snapshot('ozon', 'analytics_stocks', 'analytics') }}
),

newest_product_stocks as (
    {{ newest_snapshot('ozon', 'product_stocks', 'product_stocks') }}
),

raw_totals as (
    select
        analytics.account,
        'fbo' as stock_type,
        sum(analytics.available_quantity) as available_quantity
    from analytics
    inner join newest_analytics
        on
            analytics.account = newest_analytics.account
            and analytics.load_id = newest_analytics.load_id
    group by analytics.account
    union all
    select
        product_stocks.account,
        product_stocks.stock_type,
        sum(product_stocks.present_quantity - product_stocks.reserved_quantity) as available_quantity
    from product_stocks
    inner join newest_product_stocks
        on
            product_stocks.account = newest_product_stocks.account
            and product_stocks.load_id = newest_product_stocks.load_id
    where product_stocks.stock_type <> 'fbo'
    group by product_stocks.account, product_stocks.stock_type
),

mart_totals as (
    -- of those loads: not the last known stock kept for a row that failed a check
    select
        inventory.account,
        inventory.stock_type,
        sum(inventory.available_quantity) as available_quantity
    from {{ ref('inventory') }} as inventory
    left join newest_analytics
        on
            inventory.account = newest_analytics.account
            and inventory.snapshot_at >= newest_analytics.snapshot_at
    left join newest_product_stocks
        on
            inventory.account = newest_product_stocks.account
            and inventory.snapshot_at >= newest_product_stocks.snapshot_at
    where
        inventory.marketplace = 'ozon'
        and case
            when inventory.stock_type = 'fbo' then newest_analytics.load_id is not null
            else newest_product_stocks.load_id is not null
        end
    group by inventory.account, inventory.stock_type
)

{{ rows_that_differ('raw_totals', 'mart_totals', ['account', 'stock_type'], ['available_quantity']) }}
