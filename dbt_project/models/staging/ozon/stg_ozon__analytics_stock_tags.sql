-- Ozon's tags on an analytics stock row (e.g. a product's turnover grade), one row per tag.
-- dlt keeps the list in a child table; no table (the list was always empty) is no rows.
with item_tags as (
    {{ raw_child_table(
        'ozon', 'analytics_stocks__item_tags', 'analytics_stocks',
        ['account', 'sku', 'warehouse_name as raw_warehouse_name', 'synced_at']
    ) }}
)

select
    account,
    sku,
    raw_warehouse_name,
    synced_at,
    value as item_tag,
    _dlt_list_idx as list_position,
    load_id
from item_tags
