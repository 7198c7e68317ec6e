-- Ozon's tags on an analytics stock row (e.g. a product's turnover grade), one row per tag.
-- dlt keeps the list in a child table; no table (the list was always empty) is no rows.
with analytics_stocks as (
    {{ raw_table('ozon', 'analytics_stocks') }}
),

item_tags as (
    {{ raw_table('ozon', 'analytics_stocks__item_tags') }}
)

select
    stock.account,
    stock.sku,
    stock.warehouse_name as raw_warehouse_name,
    stock.synced_at,
    item_tag.value as item_tag,
    item_tag._dlt_list_idx as list_position,
    stock._dlt_load_id as load_id
from item_tags as item_tag
inner join analytics_stocks as stock
    on item_tag._dlt_parent_id = stock._dlt_id
