-- The days stock history covers each warehouse of an account: from the first to the newest
-- snapshot of the stock feeds of the account that have listed the warehouse. A warehouse no feed
-- of the account ever listed has no row: its stock is unknown, not zero (a token without Ozon's
-- analytics category loads no FBO stock; a warehouse known from orders only). A feed lists only
-- what is in stock, so a warehouse it listed once stays covered while the feed keeps loading.
-- A table: int_sales_days and int_stock_positions read it.
{{ config(materialized='table') }}

with feed_days as (
    select
        marketplace,
        account,
        snapshot_source,
        min(business_date) as first_stock_date,
        max(business_date) as last_stock_date
    from {{ ref('inventory_daily') }}
    where is_observed
    group by marketplace, account, snapshot_source
),

listed as (
    select distinct
        marketplace,
        account,
        snapshot_source,
        warehouse_key
    from {{ ref('inventory_daily') }}
)

select
    listed.marketplace,
    listed.account,
    listed.warehouse_key,
    min(feed_days.first_stock_date) as first_stock_date,
    max(feed_days.last_stock_date) as last_stock_date
from listed
inner join feed_days
    on
        listed.marketplace = feed_days.marketplace
        and listed.account = feed_days.account
        and listed.snapshot_source = feed_days.snapshot_source
group by listed.marketplace, listed.account, listed.warehouse_key
