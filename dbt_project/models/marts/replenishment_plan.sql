-- What to ship where: per product × marketplace warehouse (fbo) and per product × cluster (its
-- warehouses pooled: the quantity to send to the cluster, whichever warehouse takes it),
--   recommended_quantity = max(0, ceil(ADS × (lead time + coverage days) + safety stock
--                                      − (available + in transit)))
--   safety stock = z(service level) × σ(daily sales over in-stock days) × √(lead time)
-- with lead time, coverage and service level from vars. Every row carries its inputs.
-- lost_revenue_per_day ranks the rows: what a stock-out of this pair costs each day.
-- What to order (doc replenishment_order_terms):
--   order_quantity = ceil(max(recommended, minimum order quantity) / pack size) × pack size
--     (0 when nothing is recommended), terms from seed product_order_terms, else the default vars
--   urgency: urgent (days of cover < lead time), soon (< lead time + coverage), enough
--     (< var overstock_days_of_cover), do_not_ship
--   a warehouse row's share of its cluster's demand (its ADS / the cluster's warehouses' ADS) and
--   that share of the cluster row's order quantity, in whole packs
with positions as (
    select * from {{ ref('int_stock_positions') }}
    where warehouse_type = 'fbo'
),

order_terms as (
    select
        products.product_key,
        terms.min_order_quantity,
        terms.pack_size
    from {{ ref('dim_products') }} as products
    left join {{ ref('product_order_terms') }} as terms
        on
            products.marketplace = terms.marketplace
            and products.seller_article = terms.seller_article
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
),

recommended as (
    select
        planned.*,
        greatest(
            0,
            ceil(
                planned.average_daily_sales * (planned.lead_time_days + planned.coverage_days) + planned.safety_stock
                - (planned.available_quantity + planned.in_transit_quantity)
            )
        ) as recommended_quantity,
        coalesce(order_terms.min_order_quantity, {{ var('default_min_order_quantity') }}) as min_order_quantity,
        coalesce(order_terms.pack_size, {{ var('default_pack_size') }}) as pack_size
    from planned
    left join order_terms
        on planned.product_key = order_terms.product_key
    where planned.average_daily_sales > 0
),

quantities as (
    select
        *,
        case
            when recommended_quantity > 0
                then
                    ceil(greatest(recommended_quantity, min_order_quantity) / cast(pack_size as decimal(18, 6)))
                    * pack_size
            else 0
        end as order_quantity,
        case
            when coalesce(days_of_cover, 0) < lead_time_days then 'urgent'
            when days_of_cover < lead_time_days + coverage_days then 'soon'
            when days_of_cover < {{ var('overstock_days_of_cover') }} then 'enough'
            else 'do_not_ship'
        end as urgency,
        sum(case when location_level = 'warehouse' then average_daily_sales end) over (
            partition by product_key, marketplace, cluster_name
        ) as cluster_warehouses_daily_sales
    from recommended
),

-- Each warehouse row next to its cluster's row (same product, marketplace and cluster name; none
-- when the cluster has no row): a window over the rows, not a join of them with themselves.
ordered as (
    select
        *,
        max(case when location_level = 'cluster' then order_quantity end) over (
            partition by product_key, marketplace, cluster_name
        ) as cluster_order_quantity
    from quantities
)

select
    ordered.product_key,
    ordered.location_level,
    ordered.location_key,
    ordered.warehouse_key,
    ordered.marketplace,
    ordered.account,
    ordered.cluster_name,
    ordered.recommended_quantity,
    ordered.average_daily_sales,
    ordered.in_stock_days,
    ordered.daily_units_stddev,
    ordered.lead_time_days,
    ordered.coverage_days,
    ordered.service_level,
    ordered.service_level_z,
    ordered.safety_stock,
    ordered.available_quantity,
    ordered.in_transit_quantity,
    ordered.days_of_cover,
    coalesce(ordered.days_of_cover, 0) < ordered.lead_time_days as runs_out_before_arrival,
    ordered.price,
    cast(ordered.average_daily_sales * coalesce(ordered.price, 0) as decimal(18, 2)) as lost_revenue_per_day,
    ordered.min_order_quantity,
    ordered.pack_size,
    cast(ordered.order_quantity as integer) as order_quantity,
    ordered.urgency,
    case
        when ordered.location_level = 'warehouse' and ordered.cluster_order_quantity is not null
            then cast(ordered.average_daily_sales / ordered.cluster_warehouses_daily_sales as decimal(18, 6))
    end as cluster_demand_share,
    case
        when ordered.location_level = 'warehouse' and ordered.cluster_order_quantity is not null
            then cast(
                ceil(
                    ordered.cluster_order_quantity * ordered.average_daily_sales
                    / ordered.cluster_warehouses_daily_sales / ordered.pack_size
                ) * ordered.pack_size as integer
            )
    end as cluster_split_quantity
from ordered
