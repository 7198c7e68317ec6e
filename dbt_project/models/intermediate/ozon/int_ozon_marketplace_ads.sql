-- Ozon's own sales velocity of each product, from each account's newest complete
-- /v1/analytics/stocks snapshot (doc velocity_ozon_ads), at the grain of its figures: `ads`, the
-- product's units a day over the 28 days before snapshot_at at all its Ozon warehouses (location_level
-- all_clusters), and `ads_cluster`, the same over the warehouses of one cluster (location_level
-- cluster). The answer repeats them on each warehouse row of the product (of the cluster): each
-- SKU's figure is taken once, never added up over its rows; a product with several SKUs adds up
-- theirs.
with newest_loads as (
    select
        stocks.account,
        max(stocks.load_id) as load_id
    from ({{ completed_snapshot_rows('ozon', 'analytics_stocks') }}) as stocks
    group by stocks.account
),

sku_figures as (
    select
        stocks.account,
        stocks.sku,
        stocks.synced_at,
        stocks.cluster_name,
        max(stocks.average_daily_sales) as ozon_ads,
        max(stocks.cluster_average_daily_sales) as ozon_ads_cluster
    from {{ ref('stg_ozon__analytics_stocks') }} as stocks
    inner join newest_loads
        on
            stocks.account = newest_loads.account
            and stocks.load_id = newest_loads.load_id
    group by stocks.account, stocks.sku, stocks.synced_at, stocks.cluster_name
),

figures as (
    select
        account,
        sku,
        synced_at,
        'all_clusters' as location_level,
        cast(null as varchar) as cluster_name,
        max(ozon_ads) as ozon_ads
    from sku_figures
    group by account, sku, synced_at
    union all
    select
        account,
        sku,
        synced_at,
        'cluster' as location_level,
        cluster_name,
        ozon_ads_cluster as ozon_ads
    from sku_figures
    where cluster_name is not null
)

select
    figures.account,
    {{ product_key("'ozon'", 'figures.account', 'products.product_ref') }} as product_key,
    figures.location_level,
    figures.cluster_name,
    {{ cluster_key("'ozon'", 'figures.cluster_name') }} as cluster_key,
    figures.synced_at as snapshot_at,
    sum(figures.ozon_ads) as ozon_ads
from figures
inner join {{ ref('int_ozon_product_skus') }} as products
    on
        figures.account = products.account
        and figures.sku = products.sku
group by
    figures.account,
    {{ product_key("'ozon'", 'figures.account', 'products.product_ref') }},
    figures.location_level,
    figures.cluster_name,
    figures.synced_at
