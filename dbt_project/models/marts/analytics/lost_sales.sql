-- Lost sales per product × location over the lost-sales window (var lost_sales_window_days, 28 by
-- default as in Ozon's availability index), from lost_sales_daily (doc lost_sales):
--   ADS = units / (in-stock days + days of unknown stock), the rule of sales_velocity
--   lost_units = ADS × out-of-stock days;  lost_revenue = lost_units × price
--   availability = in-stock days / days of known stock (the window once stock history covers it)
-- A location out of stock the whole window has no ADS to go by: lost units unknown (null).
with window_totals as (
    select
        product_key,
        location_level,
        location_key,
        marketplace,
        account,
        price,
        max(as_of_date) as as_of_date,
        sum(units_ordered) as units_ordered,
        sum(case when is_in_stock_day then 1 else 0 end) as in_stock_days,
        sum(case when is_out_of_stock_day then 1 else 0 end) as out_of_stock_days,
        sum(case when is_in_stock_day is null then 1 else 0 end) as unknown_stock_days,
        max(average_daily_sales) as average_daily_sales,
        cast(sum(lost_units) as decimal(18, 6)) as lost_units,
        cast(sum(lost_revenue) as decimal(18, 2)) as lost_revenue
    from {{ ref('lost_sales_daily') }}
    group by product_key, location_level, location_key, marketplace, account, price
),

warehouses as (
    select
        warehouse_key,
        cluster_name
    from {{ ref('dim_warehouses') }}
),

clusters as (
    select distinct
        {{ cluster_key('marketplace', 'cluster_name') }} as location_key,
        cluster_name
    from {{ ref('dim_warehouses') }}
    where cluster_name is not null
)

select
    window_totals.product_key,
    window_totals.location_level,
    window_totals.location_key,
    warehouses.warehouse_key,
    coalesce(warehouses.cluster_name, clusters.cluster_name) as cluster_name,
    window_totals.marketplace,
    window_totals.account,
    window_totals.as_of_date,
    {{ var('lost_sales_window_days') }} as window_days,
    window_totals.units_ordered,
    window_totals.in_stock_days,
    window_totals.out_of_stock_days,
    window_totals.unknown_stock_days,
    cast(
        window_totals.in_stock_days
        / cast(nullif(window_totals.in_stock_days + window_totals.out_of_stock_days, 0) as decimal(18, 6))
        as decimal(18, 6)
    ) as availability,
    window_totals.average_daily_sales,
    window_totals.lost_units,
    window_totals.price,
    window_totals.lost_revenue
from window_totals
left join warehouses
    on
        window_totals.location_level = 'warehouse'
        and window_totals.location_key = warehouses.warehouse_key
left join clusters
    on
        window_totals.location_level = 'cluster'
        and window_totals.location_key = clusters.location_key
