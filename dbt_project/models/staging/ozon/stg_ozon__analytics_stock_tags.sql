-- Ozon's tags on an analytics stock row (e.g. a product's turnover grade), one row per tag; the
-- warehouse named as the stock row names it (macro warehouse_name_as_sent).
with list_items as (
    {{ raw_child_table(
        'ozon', 'analytics_stocks__item_tags', 'analytics_stocks',
        ['account', 'sku', 'warehouse_id', 'warehouse_name', 'synced_at']
    ) }}
)

select
    account,
    sku,
    {{ warehouse_name_as_sent('warehouse_name', 'warehouse_id') }} as raw_warehouse_name,
    synced_at,
    value as item_tag,
    _dlt_list_idx as list_position,
    load_id
from list_items
