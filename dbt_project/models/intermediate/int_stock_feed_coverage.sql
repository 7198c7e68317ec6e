-- The days stock history covers each warehouse of an account: from the first to the newest
-- snapshot of the stock feeds of the account that have listed the warehouse. A warehouse no feed
-- of the account ever listed has no row: its stock is unknown, not zero (a token without Ozon's
-- analytics category loads no FBO stock; a warehouse known from orders only). A feed lists only
-- what is in stock, so a warehouse it listed once stays covered while the feed keeps loading.
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
)

select
    marketplace,
    account,
    warehouse_key,
    min(first_stock_date) as first_stock_date,
    max(last_stock_date) as last_stock_date
from listed
group by marketplace, account, warehouse_key
having max(last_stock_date) is not null
