-- The barcodes of every product.
-- dlt keeps the list in a child table; no table (the list was always empty) is no rows.
with products as (
    {{ raw_table('ozon', 'products') }}
),

barcodes as (
    {{ raw_table('ozon', 'products__barcodes') }}
)

select
    product.account,
    product.id as product_id,
    product.offer_id,
    barcode.value as barcode,
    barcode._dlt_list_idx as list_position,
    product._dlt_load_id as load_id
from barcodes as barcode
inner join products as product
    on barcode._dlt_parent_id = product._dlt_id
