-- Stock as /v3/product/info/list reports it (present and reserved per source). Informational: the
-- stock marts read /v4/product/info/stocks and /v1/analytics/stocks, which are made for it.
{{ child_rows('ozon', 'products', 'products__stocks__stocks',
    {'account': ['account', 'varchar'], 'id': ['product_id', 'bigint'], 'synced_at': ['synced_at', 'timestamp with time zone']},
    {'sku': ['sku', 'bigint'], 'source': ['source', 'varchar'], 'present': ['present_quantity', 'bigint'],
     'reserved': ['reserved_quantity', 'bigint']}) }}
