-- The days stock history covers each warehouse of an account: from the first to the newest
-- snapshot of the stock feeds of the account that have listed the warehouse. A warehouse no feed
-- of the account ever listed has no row: its stock is unknown, not zero (a token without Ozon's
-- analytics category loads no FBO stock; a warehouse known from orders only). A feed lists only
-- what is in stock, so a warehouse it listed once stays covered while the feed keeps loading.
-- is_read_now: a feed that listed it is still read; false when every such feed is one the account
-- no longer reads (left out by <PREFIX>_SKIP_RESOURCES): its history stays known up to the last
-- snapshot, but its stock now is unknown (int_stock_positions plans and alerts nothing there).
-- A table: int_sales_days and int_stock_positions read it.
{{ config(materialized='table') }}

-- each warehouse a feed listed, with the days that feed (any of its warehouses) took a snapshot
with listed as (
    select
        marketplace,
        account,
        snapshot_source,
        warehouse_key,
        min(min(case when is_observed then business_date end)) over feed as first_stock_date,
        max(max(case when is_observed then business_date end)) over feed as last_stock_date
    from {{ ref('inventory_daily') }}
    group by marketplace, account, snapshot_source, warehouse_key
    window feed as (partition by marketplace, account, snapshot_source)
),

sources_left_out as (
    {{ resources_left_out(stock_snapshot_feeds()) }}
)

select
    listed.marketplace,
    listed.account,
    listed.warehouse_key,
    min(listed.first_stock_date) as first_stock_date,
    max(listed.last_stock_date) as last_stock_date,
    bool_or(sources_left_out.resource is null) as is_read_now
from listed
left join sources_left_out
    on
        listed.marketplace = sources_left_out.marketplace
        and listed.account = sources_left_out.account
        and listed.snapshot_source = sources_left_out.resource
group by listed.marketplace, listed.account, listed.warehouse_key
having max(listed.last_stock_date) is not null
