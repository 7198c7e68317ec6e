-- Warehouse names as every marketplace sent them, with the account and time of each sighting.
{{ union_marketplaces({'ozon': 'int_ozon_warehouse_spellings', 'wildberries': 'int_wildberries_warehouse_spellings'}) }}
