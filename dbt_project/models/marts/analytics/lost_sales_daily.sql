-- Lost sales per product × location × day of the lost-sales window (var lost_sales_window_days,
-- the N days before as_of_date), at the two levels of int_sales_days: each warehouse, and each
-- cluster (its warehouses pooled). A stock-out day (doc lost_sales) loses the window's ADS, by the
-- rule of sales_velocity (units over the in-stock days and the days of unknown stock):
--   lost_units = ADS (on a stock-out day; 0 on an in-stock day)
--   lost_revenue = lost_units × price
-- Days of unknown stock (before the account's stock history) lose nothing we can know (null).
with window_days as (
    select
        product_key,
        location_level,
        location_key,
        business_date,
        as_of_date,
        units_ordered,
        is_in_stock_day
    from {{ ref('int_sales_days') }}
    where days_ago <= {{ var('lost_sales_window_days') }}
),

window_sales as (
    select
        product_key,
        location_level,
        location_key,
        cast(
            sum(units_ordered)
            / cast(nullif(sum(case when coalesce(is_in_stock_day, true) then 1 else 0 end), 0) as decimal(18, 6))
            as decimal(18, 6)
        ) as average_daily_sales
    from window_days
    group by product_key, location_level, location_key
),

lost as (
    select
        window_days.*,
        window_sales.average_daily_sales,
        cast(
            case
                when window_days.is_in_stock_day then 0
                when not window_days.is_in_stock_day then window_sales.average_daily_sales
            end
            as decimal(18, 6)
        ) as lost_units
    from window_days
    inner join window_sales
        using (product_key, location_level, location_key)
)

select
    lost.product_key,
    lost.location_level,
    lost.location_key,
    lost.business_date,
    lost.as_of_date,
    products.marketplace,
    products.account,
    lost.units_ordered,
    lost.is_in_stock_day,
    not lost.is_in_stock_day as is_out_of_stock_day,
    lost.average_daily_sales,
    lost.lost_units,
    products.price,
    cast(lost.lost_units * products.price as decimal(18, 2)) as lost_revenue
from lost
inner join {{ ref('dim_products') }} as products
    on lost.product_key = products.product_key
where not products.is_archived
