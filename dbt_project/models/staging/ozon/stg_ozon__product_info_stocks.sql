-- Stock as /v3/product/info/list reports it (present and reserved per source). Informational: the
-- stock marts read /v4/product/info/stocks and /v1/analytics/stocks, which are made for it.
-- dlt keeps the list in a child table; no table (the list was always empty) is no rows.
with info_stocks as (
    {{ raw_child_table('ozon', 'products__stocks__stocks', 'products', ['account', 'id as product_id', 'synced_at']) }}
)

select
    account,
    product_id,
    synced_at,
    sku,
    source,
    present as present_quantity,
    reserved as reserved_quantity,
    _dlt_list_idx as list_position,
    load_id
from info_stocks
