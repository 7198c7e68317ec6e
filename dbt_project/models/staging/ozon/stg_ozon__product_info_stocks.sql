-- Stock as /v3/product/info/list reports it (present and reserved per source). Informational: the
-- stock marts read /v4/product/info/stocks and /v1/analytics/stocks, which are made for it.
-- dlt keeps the list in a child table; no table (the list was always empty) is no rows.
with products as (
    {{ raw_table('ozon', 'products') }}
),

info_stocks as (
    {{ raw_table('ozon', 'products__stocks__stocks') }}
)

select
    product.account,
    product.id as product_id,
    product.synced_at,
    info_stock.sku,
    info_stock.source,
    info_stock.present as present_quantity,
    info_stock.reserved as reserved_quantity,
    info_stock._dlt_list_idx as list_position,
    product._dlt_load_id as load_id
from info_stocks as info_stock
inner join products as product
    on info_stock._dlt_parent_id = product._dlt_id
