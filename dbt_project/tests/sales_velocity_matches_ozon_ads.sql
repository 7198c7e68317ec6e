{{ config(enabled=marketplace_enabled("ozon"), severity="warn") }}

-- "Do the numbers equal the cabinet": Ozon's own ADS (/v1/analytics/stocks, doc velocity_ozon_ads)
-- recomputed from our orders at its grain: `ads`, the product's units ordered a day over the 28
-- days before its snapshot at all its Ozon (FBO) warehouses, cancellations included, and
-- `ads_cluster`, the same at the warehouses of one cluster (dim_warehouses places each in its
-- cluster; a cluster none of our warehouses is in is not compared), for each account's newest
-- snapshot whose 28 days our FBO order history covers. Warns for each product (product × cluster)
-- differing by more than var ozon_ads_tolerance of Ozon's figure and more than var
-- ozon_ads_min_difference units a day (Ozon rounds to 0.01): orders missing from the load, or Ozon
-- counting differently. Our ADS (sales_velocity) leaves cancellations and stock-out days out, so
-- it is lower by design.
with order_history as (
    select
        account,
        min(ordered_at) as first_ordered_at
    from {{ ref('fact_orders') }}
    where marketplace = 'ozon' and fulfilment_scheme = 'fbo'
    group by account
),

placed_orders as (
    select
        orders.product_key,
        orders.ordered_at,
        orders.quantity,
        {{ cluster_key('warehouse_dim.marketplace', 'warehouse_dim.cluster_name') }} as cluster_key
    from {{ ref('fact_orders') }} as orders
    left join {{ ref('dim_warehouses') }} as warehouse_dim
        on orders.warehouse_key = warehouse_dim.warehouse_key
    where orders.marketplace = 'ozon' and orders.fulfilment_scheme = 'fbo'
),

compared as (
    select
        ozon.product_key,
        ozon.location_level,
        ozon.cluster_name,
        ozon.ozon_ads,
        coalesce(sum(orders.quantity), 0) / 28.0 as ads_28d_ordered
    from {{ ref('int_ozon_marketplace_ads') }} as ozon
    inner join order_history
        on ozon.account = order_history.account
    left join placed_orders as orders
        on
            ozon.product_key = orders.product_key
            and (ozon.location_level = 'all_clusters' or ozon.cluster_key = orders.cluster_key)
            and {{ add_interval('ozon.snapshot_at', -28, 'day') }} < orders.ordered_at
            and ozon.snapshot_at >= orders.ordered_at
    where
        order_history.first_ordered_at <= {{ add_interval('ozon.snapshot_at', -28, 'day') }}
        and (
            ozon.location_level = 'all_clusters'
            or ozon.cluster_key in (
                select {{ cluster_key('marketplace', 'cluster_name') }} from {{ ref('dim_warehouses') }}
            )
        )
    group by ozon.product_key, ozon.location_level, ozon.cluster_name, ozon.ozon_ads
)

select
    product_key,
    location_level,
    cluster_name,
    ozon_ads,
    ads_28d_ordered
from compared
where
    abs(ads_28d_ordered - ozon_ads) > {{ var('ozon_ads_tolerance') }} * ozon_ads
    and abs(ads_28d_ordered - ozon_ads) > {{ var('ozon_ads_min_difference') }}
