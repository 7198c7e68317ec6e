-- The SKUs of every product per source (sales scheme), with when each was created.
-- dlt keeps the list in a child table; no table (the list was always empty) is no rows.
with products as (
    {{ raw_table('ozon', 'products') }}
),

product_sources as (
    {{ raw_table('ozon', 'products__sources') }}
)

select
    product.account,
    product.id as product_id,
    product_source.sku,
    product_source.source,
    product_source.created_at,
    product_source.shipment_type,
    product_source.quant_code,
    product_source._dlt_list_idx as list_position,
    product._dlt_load_id as load_id
from product_sources as product_source
inner join products as product
    on product_source._dlt_parent_id = product._dlt_id
