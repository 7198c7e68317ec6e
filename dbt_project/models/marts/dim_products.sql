-- One row per product of every marketplace and seller account; archived products stay, flagged.
{{ union_marketplaces({'ozon': 'int_ozon_products', 'wildberries': 'int_wildberries_products'}) }}
