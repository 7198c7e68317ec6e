-- Turnover, overstock and dead stock per active product × location (each warehouse, and each
-- cluster with its warehouses pooled: the locations of int_stock_positions), doc inventory_turnover:
--   turnover_days = average opening stock / average daily units, over the planning window
--   overstock_units = max(0, available − ADS × var overstock_days_of_cover); value = × price
--   dead stock: stock on hand and no sale for var dead_stock_days days; its age is the days since
--   the last sale (or, never sold, since the location's first stock snapshot)
with positions as (
    select * from {{ ref('int_stock_positions') }}
),

window_days as (
    select
        product_key,
        location_level,
        location_key,
        avg(opening_available) as average_stock,
        sum(units_ordered) as units_ordered,
        count(*) as window_days
    from {{ ref('int_sales_days') }}
    where days_ago <= {{ var('planning_window_days') }}
    group by product_key, location_level, location_key
),

warehouse_clusters as (
    select
        warehouse_key,
        {{ cluster_key('marketplace', 'cluster_name') }} as cluster_key
    from {{ ref('dim_warehouses') }}
),

-- The days each product sold at a warehouse, and the days it had stock there.
located_days as (
    select
        product_key,
        warehouse_key,
        business_date as sale_date,
        cast(null as date) as stock_date
    from {{ ref('fact_orders') }}
    where order_status <> 'cancelled'
    union all
    select
        product_key,
        warehouse_key,
        cast(null as date) as sale_date,
        business_date as stock_date
    from {{ ref('inventory_daily') }}
    where available_quantity > 0
),

located as (
    select
        located_days.product_key,
        located_days.warehouse_key,
        clusters.cluster_key,
        located_days.sale_date,
        located_days.stock_date
    from located_days
    inner join warehouse_clusters as clusters
        on located_days.warehouse_key = clusters.warehouse_key
),

history as (
    select
        product_key,
        'warehouse' as location_level,
        warehouse_key as location_key,
        max(sale_date) as last_sale_date,
        min(stock_date) as first_stock_date
    from located
    group by product_key, warehouse_key
    union all
    select
        product_key,
        'cluster' as location_level,
        cluster_key as location_key,
        max(sale_date) as last_sale_date,
        min(stock_date) as first_stock_date
    from located
    where cluster_key is not null
    group by product_key, cluster_key
),

as_of as (
    select * from {{ ref('int_account_as_of_dates') }}
),

measured as (
    select
        positions.product_key,
        positions.location_level,
        positions.location_key,
        positions.warehouse_key,
        positions.marketplace,
        positions.account,
        positions.cluster_name,
        as_of.as_of_date,
        positions.available_quantity,
        positions.average_daily_sales,
        positions.price,
        cast(window_days.average_stock as decimal(18, 6)) as average_stock,
        window_days.units_ordered,
        -- none where demand is unknown (no window with a day to count: ads_window_days null)
        case
            when positions.ads_window_days is not null
                then cast(
                    window_days.units_ordered / cast(nullif(window_days.window_days, 0) as decimal(18, 6))
                    as decimal(18, 6)
                )
        end as average_daily_units,
        window_days.window_days,
        history.last_sale_date,
        history.first_stock_date,
        as_of.as_of_date - coalesce(history.last_sale_date, history.first_stock_date) as days_without_sales,
        -- ADS × days, from the units and days ADS divides, not the rounded ADS (macro units_sold_in)
        -- and none where demand is unknown: not all the stock is overstock then
        case
            when positions.ads_window_days is not null
                then greatest(
                    0,
                    positions.available_quantity
                    - {{ units_sold_in('positions', var('overstock_days_of_cover')) }}
                )
        end as overstock_units
    from positions
    inner join as_of
        on
            positions.marketplace = as_of.marketplace
            and positions.account = as_of.account
    left join window_days
        using (product_key, location_level, location_key)
    left join history
        using (product_key, location_level, location_key)
)

select
    product_key,
    location_level,
    location_key,
    warehouse_key,
    marketplace,
    account,
    cluster_name,
    as_of_date,
    available_quantity,
    average_stock,
    units_ordered,
    window_days,
    average_daily_units,
    cast(average_stock / nullif(average_daily_units, 0) as decimal(18, 2)) as turnover_days,
    average_daily_sales,
    {{ var('overstock_days_of_cover') }} as overstock_days_of_cover,
    cast(overstock_units as decimal(18, 2)) as overstock_units,
    {{ value_at_price('overstock_units', 'price') }} as overstock_value,
    last_sale_date,
    days_without_sales,
    available_quantity > 0 and coalesce(days_without_sales, 0) >= {{ var('dead_stock_days') }} as is_dead_stock,
    case
        when available_quantity > 0 and days_without_sales >= {{ var('dead_stock_days') }} then days_without_sales
    end as dead_stock_age_days,
    cast(
        case
            when available_quantity > 0 and days_without_sales >= {{ var('dead_stock_days') }}
                then available_quantity * price
            else 0
        end
        as decimal(18, 2)
    ) as dead_stock_value,
    price
from measured
