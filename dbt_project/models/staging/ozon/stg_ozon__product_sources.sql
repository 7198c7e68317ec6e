-- The SKUs of every product per source (sales scheme), with when each was created.
{{ list_items_model(
    'ozon', 'products__sources', 'products', ['account', 'id as product_id'],
    ['sku', 'source', 'created_at', 'shipment_type', 'quant_code']
) }}
