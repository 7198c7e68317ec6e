{{ child_rows('ozon', 'products', 'products__primary_image',
    {'account': ['account', 'varchar'], 'id': ['product_id', 'bigint']},
    {'value': ['image_url', 'varchar']}) }}
