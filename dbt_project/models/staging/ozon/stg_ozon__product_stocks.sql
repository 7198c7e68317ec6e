-- One row per product and stock type of a /v4/product/info/stocks snapshot. dlt stores the
-- `stocks` list in a child table; joining it back restores the API object, nothing more.
with product_stocks as (
    {{ raw_table('ozon', 'product_stocks') }}
),

stocks as (
    {{ raw_table('ozon', 'product_stocks__stocks') }}
)

select
    product.account,
    product.product_id,
    product.offer_id,
    stock.sku,
    stock.type as stock_type,
    stock.shipment_type,
    stock.present as present_quantity,
    stock.reserved as reserved_quantity,
    product.synced_at,
    product._dlt_load_id as load_id
from product_stocks as product
inner join stocks as stock
    on product._dlt_id = stock._dlt_parent_id
