-- One row per product and stock type of a /v4/product/info/stocks snapshot. dlt stores the
-- `stocks` list in a child table; joining it back restores the API object, nothing more.
with stocks as (
    {{ raw_child_table(
        'ozon', 'product_stocks__stocks', 'product_stocks', ['account', 'product_id', 'offer_id', 'synced_at']
    ) }}
)

select
    account,
    product_id,
    offer_id,
    sku,
    lower(type) as stock_type,  -- Ozon spells its enums in either case
    shipment_type,
    present as present_quantity,
    reserved as reserved_quantity,
    synced_at,
    load_id,
    -- an entry the answer repeats (one product's stock type and shipment type, sent again) is no
    -- more stock: the stock models take copy 1; rule duplicate_key still warns of it
    row_number() over (
        partition by account, load_id, product_id, lower(type), shipment_type
        order by _dlt_id
    ) as answer_copy
from stocks
