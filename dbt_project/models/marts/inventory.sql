-- Stock now: one row per product, warehouse and stock type from each account's newest snapshot.
-- Several spellings of one warehouse add up here.
select
    {{ product_key("'ozon'", 'account', 'product_id') }} as product_key,
    warehouse_key,
    stock_type,
    'ozon' as marketplace,
    account,
    sum(available_quantity) as available_quantity,
    sum(reserved_quantity) as reserved_quantity,
    sum(in_transit_quantity) as in_transit_quantity,
    max(synced_at) as snapshot_at,
    max(load_id) as load_id
from {{ ref('int_ozon_stocks_latest') }}
group by account, product_id, warehouse_key, stock_type
