-- The days of the week each of the seller's own warehouses works.
{{ child_rows('ozon', 'warehouses', 'warehouses__working_days',
    {'account': ['account', 'varchar'], 'warehouse_id': ['warehouse_id', 'bigint']},
    {'value': ['working_day', 'varchar']}) }}
