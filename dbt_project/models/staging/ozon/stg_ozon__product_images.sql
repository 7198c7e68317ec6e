{{ child_rows('ozon', 'products', 'products__images',
    {'account': ['account', 'varchar'], 'id': ['product_id', 'bigint']},
    {'value': ['image_url', 'varchar']}) }}
