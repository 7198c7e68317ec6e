-- Ozon's commission per sales scheme (FBO, FBS, rFBS, FBP) of every product, in roubles and percent.
{{ child_rows('ozon', 'products', 'products__commissions',
    {'account': ['account', 'varchar'], 'id': ['product_id', 'bigint']},
    {'sale_schema': ['sale_schema', 'varchar'], 'percent': ['commission_percent', 'double precision'],
     'value': ['commission_rub', 'double precision'], 'delivery_amount': ['delivery_amount_rub', 'double precision'],
     'return_amount': ['return_amount_rub', 'double precision']}) }}
