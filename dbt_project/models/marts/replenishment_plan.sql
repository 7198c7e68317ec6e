-- What to ship where: per product × marketplace warehouse (fbo) and per product × cluster (its
-- warehouses pooled: the quantity to send to the cluster, whichever warehouse takes it),
--   recommended_quantity = max(0, ceil(ADS × (lead time + coverage days) + safety stock
--                                      − (available + in transit)))
--   (ADS and days of cover from the units and in-stock days ADS divides, not the rounded ADS)
--   safety stock = z(service level) × σ(daily units over the days ADS divides by) × √(lead time)
-- with lead time, coverage and service level from vars. Every row carries its inputs.
-- lost_revenue_per_day ranks the rows: what a stock-out of this pair costs each day (null when the
-- price is unknown: such rows rank last, nulls last, not as costing nothing).
-- What to order (doc replenishment_order_terms):
--   order_quantity = ceil(max(recommended, minimum order quantity) / pack size) × pack size
--     (0 when nothing is recommended), terms from seed product_order_terms, else the default vars
--   urgency: urgent (days of cover < lead time), soon (< lead time + coverage), enough
--     (< var overstock_days_of_cover), do_not_ship
--   a warehouse row's share of its cluster's demand (its ADS / the cluster's warehouses' ADS), and
--   its part of the cluster row's order quantity: split by the warehouses' own shortfalls (their
--   recommended quantities; by demand share when none falls short), in whole packs by largest
--   remainder, so a warehouse with enough gets nothing and the parts add up to the cluster's order
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
            -- ADS × (L + C), from the units and days ADS divides, not the rounded ADS (macro units_sold_in)
            ceil(
                {{ units_sold_in('planned', 'planned.lead_time_days + planned.coverage_days') }}
                + planned.safety_stock
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
),

-- A warehouse row's weight in its cluster's order: its shortfall's share of the warehouses'.
weighted as (
    select
        *,
        case
            when location_level = 'warehouse' and cluster_order_quantity is not null
                then coalesce(
                    recommended_quantity / nullif(sum(
                        case when location_level = 'warehouse' then recommended_quantity end
                    ) over cluster_rows, 0),
                    average_daily_sales / cluster_warehouses_daily_sales
                )
        end as split_weight
    from ordered
    window cluster_rows as (partition by product_key, marketplace, cluster_name)
),

split_packs as (
    select
        *,
        floor(cast(cluster_order_quantity as decimal(18, 6)) / pack_size * split_weight) as whole_packs,
        cast(cluster_order_quantity as decimal(18, 6)) / pack_size * split_weight as exact_packs
    from weighted
),

-- the packs the floors leave over go one each to the largest remainders
split_parts as (
    select
        *,
        cluster_order_quantity / pack_size
        - sum(whole_packs) over (partition by product_key, marketplace, cluster_name) as leftover_packs,
        row_number() over (
            partition by product_key, marketplace, cluster_name, split_weight is null
            order by exact_packs - whole_packs desc, location_key asc
        ) as remainder_rank
    from split_packs
)

select
    split_parts.product_key,
    split_parts.location_level,
    split_parts.location_key,
    split_parts.warehouse_key,
    split_parts.marketplace,
    split_parts.account,
    split_parts.cluster_name,
    split_parts.recommended_quantity,
    split_parts.average_daily_sales,
    split_parts.ads_window_days,
    split_parts.in_stock_days,
    split_parts.daily_units_stddev,
    split_parts.lead_time_days,
    split_parts.coverage_days,
    split_parts.service_level,
    split_parts.service_level_z,
    split_parts.safety_stock,
    split_parts.available_quantity,
    split_parts.in_transit_quantity,
    split_parts.days_of_cover,
    coalesce(split_parts.days_of_cover, 0) < split_parts.lead_time_days as runs_out_before_arrival,
    split_parts.price,
    -- null when the price is unknown: rank those rows last (nulls last), never as costing nothing
    cast(split_parts.average_daily_sales * split_parts.price as decimal(18, 2)) as lost_revenue_per_day,
    split_parts.min_order_quantity,
    split_parts.pack_size,
    cast(split_parts.order_quantity as integer) as order_quantity,
    split_parts.urgency,
    case
        when split_parts.location_level = 'warehouse' and split_parts.cluster_order_quantity is not null
            then cast(split_parts.average_daily_sales / split_parts.cluster_warehouses_daily_sales as decimal(18, 6))
    end as cluster_demand_share,
    case
        when split_parts.split_weight is not null
            then cast(
                (
                    split_parts.whole_packs
                    + case when split_parts.remainder_rank <= split_parts.leftover_packs then 1 else 0 end
                )
                * split_parts.pack_size as integer
            )
    end as cluster_split_quantity
from split_parts
