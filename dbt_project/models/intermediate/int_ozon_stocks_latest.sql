-- Current Ozon stock, one row per product, warehouse and stock type, from the newest completed
-- snapshot of each account:
--   * fbo: per Ozon warehouse from /v1/analytics/stocks (available, in transit; Ozon gives no
--     per-warehouse reserve), warehouse spelling resolved;
--   * fbs, rfbs, ...: the seller's own stock from /v4/product/info/stocks, which Ozon reports per
--     product, not per warehouse: it sits on the pseudo-warehouse СКЛАДЫ_ПРОДАВЦА.
--     Available there is present minus reserved. The v4 fbo totals are not used: the analytics
--     rows split the same units by warehouse.
with analytics_latest as (
    {{ latest_completed_snapshot(ref('stg_ozon__analytics_stocks'), ref('stg_ozon__loads')) }}
),

product_stocks_latest as (
    {{ latest_completed_snapshot(ref('stg_ozon__product_stocks'), ref('stg_ozon__loads')) }}
),

products as (
    select
        account,
        sku,
        product_id
    from {{ ref('stg_ozon__products') }}
),

fbo as (
    select
        analytics_latest.account,
        products.product_id,
        analytics_latest.sku,
        warehouse_names.warehouse_key,
        'fbo' as stock_type,
        analytics_latest.available_quantity,
        cast(null as bigint) as reserved_quantity,
        analytics_latest.in_transit_quantity,
        analytics_latest.synced_at,
        analytics_latest.load_id
    from analytics_latest
    inner join {{ ref('int_warehouse_names_resolved') }} as warehouse_names
        on
            warehouse_names.marketplace = 'ozon'
            and analytics_latest.raw_warehouse_name = warehouse_names.raw_warehouse_name
    left join products
        on
            analytics_latest.account = products.account
            and analytics_latest.sku = products.sku
),

seller_warehouses as (
    select
        account,
        product_id,
        sku,
        {{ warehouse_key("'ozon'", "'СКЛАДЫ_ПРОДАВЦА'") }} as warehouse_key,
        stock_type,
        present_quantity - reserved_quantity as available_quantity,
        reserved_quantity,
        cast(null as bigint) as in_transit_quantity,
        synced_at,
        load_id
    from product_stocks_latest
    where stock_type <> 'fbo'
)

select * from fbo
union all
select * from seller_warehouses
