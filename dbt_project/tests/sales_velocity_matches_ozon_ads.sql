{{ config(enabled=marketplace_enabled("ozon"), severity="warn") }}

-- "Do the numbers equal the cabinet": Ozon's own `ads` (/v1/analytics/stocks: units ordered per
-- day over the 60 days before its snapshot, cancellations included) recomputed from our orders,
-- per product × warehouse of each account's newest snapshot, where our order history reaches back
-- 60 days. Warns for each pair differing by more than var ozon_ads_tolerance of Ozon's figure and
-- more than var ozon_ads_min_difference units a day (Ozon rounds to 0.01): orders missing from
-- the load, or Ozon counting differently. Our ADS (sales_velocity) leaves cancellations and
-- stock-out days out, so it is lower by design (doc velocity_ozon_ads).
with order_history as (
    select
        account,
        min(ordered_at) as first_ordered_at
    from {{ ref('fact_orders') }}
    where marketplace = 'ozon'
    group by account
),

compared as (
    select
        ozon.product_key,
        ozon.warehouse_key,
        ozon.ozon_ads,
        coalesce(sum(orders.quantity), 0) / 60.0 as ads_60d_ordered
    from {{ ref('int_ozon_marketplace_ads') }} as ozon
    inner join order_history
        on ozon.account = order_history.account
    left join {{ ref('fact_orders') }} as orders
        on
            ozon.product_key = orders.product_key
            and ozon.warehouse_key = orders.warehouse_key
            and {{ add_interval('ozon.snapshot_at', -60, 'day') }} < orders.ordered_at
            and ozon.snapshot_at >= orders.ordered_at
    where order_history.first_ordered_at <= {{ add_interval('ozon.snapshot_at', -60, 'day') }}
    group by ozon.product_key, ozon.warehouse_key, ozon.ozon_ads
)

select
    product_key,
    warehouse_key,
    ozon_ads,
    ads_60d_ordered
from compared
where
    abs(ads_60d_ordered - ozon_ads) > {{ var('ozon_ads_tolerance') }} * ozon_ads
    and abs(ads_60d_ordered - ozon_ads) > {{ var('ozon_ads_min_difference') }}
