-- Products that run out soon, per warehouse: days of cover = available / ADS (ADS over the
-- in-stock days of var planning_window_days). Severity: out_of_stock (nothing left, but it
-- sells), critical (< var critical_days_of_cover days), warning (< var warning_days_of_cover);
-- no_sales marks stock that has not sold at all in the window (a different problem: dead stock),
-- over days counted: stock with none counted yet (a product first listed today, no window with an
-- ADS: ads_window_days null) has unknown demand and no alert.
with positions as (
    select * from {{ ref('int_stock_positions') }}
    where location_level = 'warehouse'
),

classified as (
    select
        *,
        case
            when average_daily_sales > 0 and available_quantity = 0 then 'out_of_stock'
            when average_daily_sales > 0 and days_of_cover < {{ var('critical_days_of_cover') }} then 'critical'
            when average_daily_sales > 0 and days_of_cover < {{ var('warning_days_of_cover') }} then 'warning'
            when average_daily_sales = 0 and available_quantity > 0 and ads_window_days is not null then 'no_sales'
        end as severity
    from positions
)

select
    product_key,
    warehouse_key,
    marketplace,
    account,
    cluster_name,
    severity,
    available_quantity,
    in_transit_quantity,
    average_daily_sales,
    ads_window_days,
    in_stock_days,
    days_of_cover,
    {{ value_at_price('average_daily_sales', 'price') }} as revenue_per_day_at_risk
from classified
where severity is not null
