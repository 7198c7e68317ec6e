-- Where each active product stands at each warehouse now: available and in-transit units summed
-- over stock types, next to its sales velocity over the planning window and its price. Covers
-- every pair that has stock now or sold in the velocity windows (a sold-out pair has no stock row).
with stock_now as (
    select
        product_key,
        warehouse_key,
        sum(available_quantity) as available_quantity,
        sum(coalesce(in_transit_quantity, 0)) as in_transit_quantity
    from {{ ref('inventory') }}
    group by product_key, warehouse_key
),

velocity as (
    select
        product_key,
        location_key as warehouse_key,
        ads_{{ var('planning_window_days') }}d as average_daily_sales,
        in_stock_days_{{ var('planning_window_days') }}d as in_stock_days,
        coalesce(daily_units_stddev, 0) as daily_units_stddev
    from {{ ref('sales_velocity') }}
    where location_level = 'warehouse'
),

pairs as (
    select
        product_key,
        warehouse_key
    from stock_now
    union
    select
        product_key,
        warehouse_key
    from velocity
)

select
    pairs.product_key,
    pairs.warehouse_key,
    products.marketplace,
    products.account,
    warehouse_dim.warehouse_type,
    warehouse_dim.cluster_name,
    coalesce(stock_now.available_quantity, 0) as available_quantity,
    coalesce(stock_now.in_transit_quantity, 0) as in_transit_quantity,
    coalesce(velocity.average_daily_sales, 0) as average_daily_sales,
    coalesce(velocity.in_stock_days, 0) as in_stock_days,
    coalesce(velocity.daily_units_stddev, 0) as daily_units_stddev,
    products.price,
    coalesce(stock_now.available_quantity, 0)
    / nullif(velocity.average_daily_sales, 0) as days_of_cover
from pairs
inner join {{ ref('dim_products') }} as products
    on pairs.product_key = products.product_key
inner join {{ ref('dim_warehouses') }} as warehouse_dim
    on pairs.warehouse_key = warehouse_dim.warehouse_key
left join stock_now
    on
        pairs.product_key = stock_now.product_key
        and pairs.warehouse_key = stock_now.warehouse_key
left join velocity
    on
        pairs.product_key = velocity.product_key
        and pairs.warehouse_key = velocity.warehouse_key
where not products.is_archived
