-- The SKUs of every product per source (sales scheme), with when each was created.
{{ child_rows('ozon', 'products', 'products__sources',
    {'account': ['account', 'varchar'], 'id': ['product_id', 'bigint']},
    {'sku': ['sku', 'bigint'], 'source': ['source', 'varchar'], 'created_at': ['created_at', 'varchar'],
     'shipment_type': ['shipment_type', 'varchar'], 'quant_code': ['quant_code', 'varchar']}) }}
