-- Ozon's tags on an analytics stock row (e.g. a product's turnover grade), one row per tag.
{{ list_items_model(
    'ozon', 'analytics_stocks__item_tags', 'analytics_stocks',
    ['account', 'sku', 'warehouse_name as raw_warehouse_name', 'synced_at'],
    ['value as item_tag']
) }}
