-- Stock as /v3/product/info/list reports it (present and reserved per source). Informational: the
-- stock marts read /v4/product/info/stocks and /v1/analytics/stocks, which are made for it.
{{ list_items_model(
    'ozon', 'products__stocks__stocks', 'products', ['account', 'id as product_id', 'synced_at'],
    ['sku', 'source', 'present as present_quantity', 'reserved as reserved_quantity']
) }}
