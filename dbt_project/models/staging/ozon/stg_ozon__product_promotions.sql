{{ child_rows('ozon', 'products', 'products__promotions',
    {'account': ['account', 'varchar'], 'id': ['product_id', 'bigint']},
    {'type': ['promotion_type', 'varchar'], 'is_enabled': ['is_enabled', 'boolean']}) }}
