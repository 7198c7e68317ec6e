-- The barcodes of every product.
-- dlt keeps the list in a child table; no table (the list was always empty) is no rows.
with barcodes as (
    {{ raw_child_table('ozon', 'products__barcodes', 'products', ['account', 'id as product_id', 'offer_id']) }}
)

select
    account,
    product_id,
    offer_id,
    value as barcode,
    _dlt_list_idx as list_position,
    load_id
from barcodes
