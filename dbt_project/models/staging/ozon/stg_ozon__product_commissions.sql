-- Ozon's commission per sales scheme (FBO, FBS, rFBS, FBP) of every product, in roubles and percent.
{{ list_items_model(
    'ozon', 'products__commissions', 'products', ['account', 'id as product_id'],
    [
        'sale_schema', 'percent as commission_percent', 'value as commission_rub',
        'delivery_amount as delivery_amount_rub', 'return_amount as return_amount_rub'
    ]
) }}
