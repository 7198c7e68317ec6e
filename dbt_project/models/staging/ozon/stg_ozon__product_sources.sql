-- The SKUs of every product per source (sales scheme), with when each was created.
-- dlt keeps the list in a child table; no table (the list was always empty) is no rows.
with product_sources as (
    {{ raw_child_table('ozon', 'products__sources', 'products', ['account', 'id as product_id']) }}
)

select
    account,
    product_id,
    sku,
    source,
    created_at,
    shipment_type,
    quant_code,
    _dlt_list_idx as list_position,
    load_id
from product_sources
