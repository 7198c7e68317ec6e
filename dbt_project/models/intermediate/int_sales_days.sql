-- One row per product × location × day over the longest velocity window before the as_of_date of
-- the account's orders feed that serves the location (int_orders_as_of_dates: the newest data day,
-- or the day of the account's newest read of all its orders when earlier: a day whose orders are
-- not all loaded yet is no day without sales; or the day of the feed's last whole read, when the
-- account left the feed out since; none when the feed was never read whole: demand unknown, no
-- day), at two levels:
-- each warehouse, and each cluster (the warehouses of a cluster pooled), from the account's first
-- known day (its first order or stock snapshot) on: before it, demand is unknown and the day is
-- left out; so are the days before the product's first known day (its first order or snapshot,
-- or its creation in the catalogue): a product launched later had no stock-outs before it
-- existed. Per day, is_in_stock_day is (doc velocity_in_stock_day):
--   * true when the location opened it with stock (the previous day's closing stock > 0) or sold
--     something that day (a day with sales was in stock, snapshot or not);
--   * false when stock history covers the day (has_stock_history: a stock feed of the account that
--     has listed the warehouse had a snapshot by the day before) and it opened empty and sold
--     nothing: a stock-out day;
--   * null (unknown) on a day without sales before the account's stock history: the orders of a
--     first run reach back further than any snapshot, and the marketplaces keep no stock history;
--     and after it: days later than the day after the newest snapshot of those feeds (a feed
--     stopped, e.g. a token lost the category, while orders still load) opened with no known stock;
--     and every day without sales at a warehouse no stock feed of the account ever listed (a token
--     without the analytics category loads no Ozon FBO stock; a warehouse known from orders only)
--     or that no loaded feed reports stock for (dim_warehouses.has_stock_feed: Wildberries'
--     СКЛАДЫ_ПРОДАВЦА).
-- A table: sales_velocity, lost_sales_daily, inventory_turnover and its tests read it (a view is
-- computed again for each of them: at 100,000 products that is minutes under the memory limit).
{{ config(materialized='table') }}

with warehouses as (
    select * from {{ ref('dim_warehouses') }}
),

-- each product × warehouse × day with orders or a stock snapshot: the units ordered (null on a day
-- without orders) and the day's closing stock (null on a day without a snapshot)
{%- set day_cell = ['marketplace', 'account', 'product_key', 'warehouse_key', 'business_date'] %}
daily as (
    select
        {{ column_list(day_cell) }},
        sum(units_ordered) as units_ordered,
        sum(closing_available) as closing_available
    from (
        select
            {{ column_list(day_cell) }},
            quantity as units_ordered,
            null as closing_available
        from {{ ref('fact_orders') }}
        where order_status <> 'cancelled'
        union all
        select
            {{ column_list(day_cell) }},
            null as units_ordered,
            available_quantity as closing_available
        from {{ ref('inventory_daily') }}
    ) as data_rows
    group by
        {{ column_list(day_cell) }}
),

-- each product's first order or stock snapshot
product_data_days as (
    select
        marketplace,
        account,
        product_key,
        min(business_date) as first_data_date
    from daily
    group by marketplace, account, product_key
),

accounts as (
    select
        marketplace,
        account,
        min(first_data_date) as first_known_date
    from product_data_days
    group by marketplace, account
),

-- Each product's first known day: its first order or stock snapshot, or its creation in the
-- catalogue if earlier. Days before it are no stock-out days (it did not exist): left out.
product_first_days as (
    select
        data_days.product_key,
        least(data_days.first_data_date, {{ to_business_date('products.created_at') }}) as first_known_date
    from product_data_days as data_days
    left join {{ ref('dim_products') }} as products
        on data_days.product_key = products.product_key
),

pairs as (
    select distinct
        marketplace,
        account,
        product_key,
        warehouse_key
    from daily
),

warehouse_days as (
    select
        pairs.product_key,
        pairs.warehouse_key,
        calendar.calendar_date as business_date,
        coalesce(sales.units_ordered, 0) as units_ordered,
        opening.closing_available as opening_available,
        coalesce(
            coverage.first_stock_date < calendar.calendar_date
            and calendar.calendar_date <= coverage.last_stock_date + 1,
            false
        )
        and coalesce(warehouses.has_stock_feed, true) as has_stock_history,
        feed_as_of.as_of_date
    from pairs
    inner join accounts
        on
            pairs.marketplace = accounts.marketplace
            and pairs.account = accounts.account
    left join warehouses
        on pairs.warehouse_key = warehouses.warehouse_key
    -- the days end where the orders of the feed that serves the warehouse are loaded
    inner join {{ ref('int_orders_as_of_dates') }} as feed_as_of
        on {{ served_by_orders_feed('pairs', 'warehouses', 'feed_as_of') }}
    inner join product_first_days
        on pairs.product_key = product_first_days.product_key
    inner join {{ ref('int_calendar_days') }} as calendar
        on
            feed_as_of.as_of_date - {{ setting('velocity_windows') | max }} <= calendar.calendar_date
            and feed_as_of.as_of_date > calendar.calendar_date
            and accounts.first_known_date <= calendar.calendar_date
            and product_first_days.first_known_date <= calendar.calendar_date
    left join {{ ref('int_stock_feed_coverage') }} as coverage
        on
            pairs.marketplace = coverage.marketplace
            and pairs.account = coverage.account
            and pairs.warehouse_key = coverage.warehouse_key
    left join daily as sales
        on
            pairs.product_key = sales.product_key
            and pairs.warehouse_key = sales.warehouse_key
            and calendar.calendar_date = sales.business_date
    left join daily as opening
        on
            pairs.product_key = opening.product_key
            and pairs.warehouse_key = opening.warehouse_key
            and calendar.calendar_date = opening.business_date + 1
),

by_warehouse as (
    select
        warehouse_days.product_key,
        'warehouse' as location_level,
        warehouse_days.warehouse_key as location_key,
        warehouse_days.business_date,
        warehouse_days.units_ordered,
        warehouse_days.opening_available,
        warehouse_days.has_stock_history,
        warehouse_days.as_of_date
    from warehouse_days
),

by_cluster as (
    select
        warehouse_days.product_key,
        'cluster' as location_level,
        {{ cluster_key('warehouses.marketplace', 'warehouses.cluster_name') }} as location_key,
        warehouse_days.business_date,
        sum(warehouse_days.units_ordered) as units_ordered,
        sum(warehouse_days.opening_available) as opening_available,
        -- a stock-out of the cluster only when the stock of each of its warehouses is known
        bool_and(warehouse_days.has_stock_history) as has_stock_history,
        -- a product is of one account, a cluster's warehouses of one orders feed (FBO)
        max(warehouse_days.as_of_date) as as_of_date
    from warehouse_days
    inner join warehouses
        on warehouse_days.warehouse_key = warehouses.warehouse_key
    where warehouses.cluster_name is not null
    group by
        warehouse_days.product_key,
        {{ cluster_key('warehouses.marketplace', 'warehouses.cluster_name') }},
        warehouse_days.business_date
),

located_days as (
    select * from by_warehouse
    union all
    select * from by_cluster
)

select
    located_days.*,
    located_days.as_of_date - located_days.business_date as days_ago,
    case
        when located_days.units_ordered > 0 or coalesce(located_days.opening_available, 0) > 0 then true
        when located_days.has_stock_history then false
    end as is_in_stock_day
from located_days
