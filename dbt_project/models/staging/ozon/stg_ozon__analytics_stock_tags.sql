-- Ozon's tags on an analytics stock row (e.g. a product's turnover grade), one row per tag.
{{ child_rows('ozon', 'analytics_stocks', 'analytics_stocks__item_tags',
    {'account': ['account', 'varchar'], 'sku': ['sku', 'bigint'], 'warehouse_name': ['raw_warehouse_name', 'varchar'], 'synced_at': ['synced_at', 'timestamp with time zone']},
    {'value': ['item_tag', 'varchar']}) }}
