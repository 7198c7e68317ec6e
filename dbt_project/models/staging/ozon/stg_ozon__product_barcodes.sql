-- The barcodes of every product.
{{ list_items_model(
    'ozon', 'products__barcodes', 'products', ['account', 'id as product_id', 'offer_id'],
    ['value as barcode']
) }}
