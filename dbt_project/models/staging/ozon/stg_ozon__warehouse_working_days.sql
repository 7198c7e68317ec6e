-- The days of the week each of the seller's own warehouses works.
{{ list_items_model(
    'ozon', 'warehouses__working_days', 'warehouses', ['account', 'warehouse_id'],
    ['value as working_day']
) }}
