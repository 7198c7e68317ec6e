-- Where each active product stands now, at two levels: each warehouse, and each Ozon cluster (its
-- marketplace warehouses pooled, as the marketplaces plan delivery by cluster). Available and
-- in-transit units summed over stock types, next to the sales velocity of the same location over
-- the planning window and the product's price. A location out of stock the whole planning window
-- has no ADS there (no day to count): it takes the ADS of the next longer velocity window that has
-- one (ads_window_days says which), so the best sellers' longest stock-outs still raise an
-- out_of_stock alert and a shipment instead of dropping out of both; the days that ADS divides by
-- (in_stock_days) and σ_d of the safety stock (daily_units_stddev) come from that same window.
-- Covers every product × location that has stock now or sold in the velocity windows (a sold-out
-- location has no stock row), but not the locations whose stock is unknown, where no stock row is
-- no news: the warehouses no loaded feed reports (dim_warehouses.has_stock_feed), those no stock
-- feed of the account ever listed or still reads (int_stock_feed_coverage), and the clusters with
-- none of their warehouses listed; nor a product's warehouse, and its cluster, where the newest
-- snapshot's row failed a check and no stock was known before (int_stock_cells_quarantined_now).
-- Nor the locations whose demand is unknown: those whose orders feed the account never read
-- or no longer reads (int_orders_reads; orders_feed_of: Ozon's seller warehouses take the FBS list,
-- its other locations the FBO list, Wildberries' every location its orders), where no order is no
-- news either.
-- A table: stock_alerts, replenishment_plan (three times, in its split) and inventory_turnover read it.
{{ config(materialized='table') }}

with warehouses as (
    select
        warehouse_key,
        marketplace,
        warehouse_type,
        cluster_name,
        has_stock_feed
    from {{ ref('dim_warehouses') }}
),

stock_by_warehouse as (
    select
        product_key,
        warehouse_key,
        sum(available_quantity) as available_quantity,
        sum(coalesce(in_transit_quantity, 0)) as in_transit_quantity
    from {{ ref('inventory') }}
    group by product_key, warehouse_key
),

stock_now as (
    select
        product_key,
        'warehouse' as location_level,
        warehouse_key as location_key,
        available_quantity,
        in_transit_quantity
    from stock_by_warehouse
    union all
    select
        stock.product_key,
        'cluster' as location_level,
        {{ cluster_key('warehouses.marketplace', 'warehouses.cluster_name') }} as location_key,
        sum(stock.available_quantity) as available_quantity,
        sum(stock.in_transit_quantity) as in_transit_quantity
    from stock_by_warehouse as stock
    inner join warehouses
        on stock.warehouse_key = warehouses.warehouse_key
    where warehouses.cluster_name is not null
    group by stock.product_key, {{ cluster_key('warehouses.marketplace', 'warehouses.cluster_name') }}
),

{#- the planning window, then the longer velocity windows: the first that has a day to count -#}
{%- set windows = setting('velocity_windows') | select('ge', setting('planning_window_days')) | sort | list %}
{#- what a position takes from that one window: ADS, the units and days it divides, σ_d of safety stock -#}
{%- set taken = [
    ('ads', 'average_daily_sales'),
    ('units', 'units_ordered'),
    ('in_stock_days', 'in_stock_days'),
    ('daily_units_stddev', 'daily_units_stddev'),
] %}

velocity_windows as (
    select
        *,
        case
            {% for window in windows -%}
                when ads_{{ window }}d is not null then {{ window }}
            {% endfor -%}
        end as ads_window_days
    from {{ ref('sales_velocity') }}
),

velocity as (
    select
        product_key,
        location_level,
        location_key,
        ads_window_days,
        {% for column, name in taken -%}
            case ads_window_days
                {% for window in windows -%}
                    when {{ window }} then {{ column }}_{{ window }}d
                {% endfor -%}
            end as {{ name }}
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from velocity_windows
),

locations as (
    select
        product_key,
        location_level,
        location_key
    from stock_now
    union
    select
        product_key,
        location_level,
        location_key
    from velocity
),

clusters as (
    select distinct
        {{ cluster_key('marketplace', 'cluster_name') }} as location_key,
        cluster_name
    from warehouses
    where cluster_name is not null
),

unknown_cells as (
    -- a cell quarantined in the newest snapshot with no last known stock in inventory: its stock now
    -- is unknown, not 0 (int_stock_cells_quarantined_now)
    select
        quarantined.product_key,
        quarantined.warehouse_key
    from {{ ref('int_stock_cells_quarantined_now') }} as quarantined
    where not exists (
        select 1
        from {{ ref('inventory') }} as inventory
        where
            inventory.product_key = quarantined.product_key
            and inventory.warehouse_key = quarantined.warehouse_key
            and inventory.stock_type = quarantined.stock_type
    )
),

unknown_now as (
    select
        product_key,
        'warehouse' as location_level,
        warehouse_key as location_key
    from unknown_cells
    union
    select
        unknown_cells.product_key,
        'cluster' as location_level,
        {{ cluster_key('warehouses.marketplace', 'warehouses.cluster_name') }} as location_key
    from unknown_cells
    inner join warehouses
        on unknown_cells.warehouse_key = warehouses.warehouse_key
    where warehouses.cluster_name is not null
),

covered as (
    select
        coverage.account,
        'warehouse' as location_level,
        coverage.warehouse_key as location_key
    from {{ ref('int_stock_feed_coverage') }} as coverage
    where coverage.is_read_now
    union
    select
        coverage.account,
        'cluster' as location_level,
        {{ cluster_key('warehouses.marketplace', 'warehouses.cluster_name') }} as location_key
    from {{ ref('int_stock_feed_coverage') }} as coverage
    inner join warehouses
        on coverage.warehouse_key = warehouses.warehouse_key
    where coverage.is_read_now and warehouses.cluster_name is not null
)

select
    locations.product_key,
    locations.location_level,
    locations.location_key,
    warehouse_dim.warehouse_key,
    products.marketplace,
    products.account,
    coalesce(warehouse_dim.warehouse_type, 'fbo') as warehouse_type,
    coalesce(warehouse_dim.cluster_name, clusters.cluster_name) as cluster_name,
    coalesce(stock_now.available_quantity, 0) as available_quantity,
    coalesce(stock_now.in_transit_quantity, 0) as in_transit_quantity,
    -- null when no window has a day to count (ads_window_days null): demand unknown, not zero
    velocity.average_daily_sales,
    velocity.ads_window_days,
    coalesce(velocity.units_ordered, 0) as units_ordered,
    coalesce(velocity.in_stock_days, 0) as in_stock_days,
    coalesce(velocity.daily_units_stddev, 0) as daily_units_stddev,
    -- the plan and alerts count revenue in roubles: a price in another currency is none
    {{ price_in_roubles('products.price', "coalesce(products.currency_code, 'RUB')") }} as price,
    -- available / ADS, from the units and days ADS divides, not from the rounded ADS (6 units over 7
    -- days is 0.857143 a day: 12 units would last 13.999998 days, not 14): one floating-point
    -- division of whole numbers, the same on both engines, so a cover of exactly N days is N
    cast(coalesce(stock_now.available_quantity, 0) * velocity.in_stock_days as double precision)  -- noqa: RF04
    / nullif(velocity.units_ordered, 0) as days_of_cover
from locations
inner join {{ ref('dim_products') }} as products
    on locations.product_key = products.product_key
-- location keys name their marketplace
inner join covered
    on
        products.account = covered.account
        and locations.location_level = covered.location_level
        and locations.location_key = covered.location_key
left join warehouses as warehouse_dim
    on
        locations.location_level = 'warehouse'
        and locations.location_key = warehouse_dim.warehouse_key
left join clusters
    on
        locations.location_level = 'cluster'
        and locations.location_key = clusters.location_key
left join stock_now
    on
        locations.product_key = stock_now.product_key
        and locations.location_level = stock_now.location_level
        and locations.location_key = stock_now.location_key
left join velocity
    on
        locations.product_key = velocity.product_key
        and locations.location_level = velocity.location_level
        and locations.location_key = velocity.location_key
left join unknown_now
    on
        locations.product_key = unknown_now.product_key
        and locations.location_level = unknown_now.location_level
        and locations.location_key = unknown_now.location_key
where
    not products.is_archived
    and unknown_now.product_key is null
    -- a warehouse whose stock no feed reports has no position to plan or alert on
    and coalesce(warehouse_dim.has_stock_feed, true)
    and exists (
        select 1
        from {{ ref('int_orders_reads') }} as orders_reads
        where {{ served_by_orders_feed('products', 'warehouse_dim', 'orders_reads') }}
    )
