-- The primary image of every product.
{{ list_items_model(
    'ozon', 'products__primary_image', 'products', ['account', 'id as product_id'],
    ['value as image_url']
) }}
