-- What to ship where: per product × marketplace warehouse (fbo) and per product × cluster (its
-- warehouses pooled: the quantity to send to the cluster, whichever warehouse takes it),
--   recommended_quantity = max(0, ceil(ADS × (lead time + coverage days) + safety stock
--                                      − (available + in transit)))
--   safety stock = z(service level) × σ(daily sales over in-stock days) × √(lead time)
-- with lead time, coverage and service level from vars. Every row carries its inputs.
-- lost_revenue_per_day ranks the rows: what a stock-out of this pair costs each day.
with positions as (
    select * from {{ ref('int_stock_positions') }}
    where warehouse_type = 'fbo'
),

planned as (
    select
        *,
        {{ var('lead_time_days') }} as lead_time_days,
        {{ var('coverage_days') }} as coverage_days,
        {{ var('service_level') }} as service_level,
        {{ service_level_z(var('service_level')) }} as service_level_z,
        {{ service_level_z(var('service_level')) }} * daily_units_stddev * sqrt({{ var('lead_time_days') }})
            as safety_stock
    from positions
)

select
    product_key,
    location_level,
    location_key,
    warehouse_key,
    marketplace,
    account,
    cluster_name,
    greatest(
        0,
        ceil(
            average_daily_sales * (lead_time_days + coverage_days) + safety_stock
            - (available_quantity + in_transit_quantity)
        )
    ) as recommended_quantity,
    average_daily_sales,
    in_stock_days,
    daily_units_stddev,
    lead_time_days,
    coverage_days,
    service_level,
    service_level_z,
    safety_stock,
    available_quantity,
    in_transit_quantity,
    days_of_cover,
    coalesce(days_of_cover, 0) < lead_time_days and average_daily_sales > 0 as runs_out_before_arrival,
    price,
    cast(average_daily_sales * coalesce(price, 0) as decimal(18, 2)) as lost_revenue_per_day
from planned
where average_daily_sales > 0
