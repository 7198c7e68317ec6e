-- Ozon's own sales velocity per product × warehouse, from each account's newest complete
-- /v1/analytics/stocks snapshot: `ads`, the plain average of units ordered per day over the 60
-- days before snapshot_at, cancelled orders included (doc velocity_ozon_ads). Several spellings
-- of one warehouse add up, like their stock.
with newest_loads as (
    select
        stocks.account,
        max(stocks.load_id) as load_id
    from ({{ completed_snapshot_rows('ozon', 'analytics_stocks') }}) as stocks
    group by stocks.account
)

select
    stocks.account,
    {{ product_key("'ozon'", 'stocks.account', 'products.product_ref') }} as product_key,
    warehouse_names.warehouse_key,
    stocks.synced_at as snapshot_at,
    sum(stocks.average_daily_sales) as ozon_ads
from {{ ref('stg_ozon__analytics_stocks') }} as stocks
inner join newest_loads
    on
        stocks.account = newest_loads.account
        and stocks.load_id = newest_loads.load_id
inner join {{ ref('int_ozon_product_skus') }} as products
    on
        stocks.account = products.account
        and stocks.sku = products.sku
inner join {{ ref('int_warehouse_names_resolved') }} as warehouse_names
    on {{ resolves_warehouse_name('ozon', 'stocks') }}
group by
    stocks.account,
    stocks.synced_at,
    {{ product_key("'ozon'", 'stocks.account', 'products.product_ref') }},
    warehouse_names.warehouse_key
