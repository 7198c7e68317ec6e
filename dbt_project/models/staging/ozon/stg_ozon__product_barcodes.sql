{{ child_rows('ozon', 'products', 'products__barcodes',
    {'account': ['account', 'varchar'], 'id': ['product_id', 'bigint'], 'offer_id': ['offer_id', 'varchar']},
    {'value': ['barcode', 'varchar']}) }}
