-- The image URLs of every product.
{{ list_items_model('ozon', 'products__images', 'products', ['account', 'id as product_id'], ['value as image_url']) }}
