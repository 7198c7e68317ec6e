-- The promotions of every product.
{{ list_items_model(
    'ozon', 'products__promotions', 'products', ['account', 'id as product_id'],
    ['type as promotion_type', 'is_enabled']
) }}
