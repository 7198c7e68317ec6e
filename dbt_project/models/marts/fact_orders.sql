-- One row per order line of every marketplace and account, with one status model (ordered,
-- cancelled, delivered, returned), quantities, unit price in roubles, UTC time and business date.
with order_lines as (
    {{ union_marketplaces({'ozon': 'int_ozon_order_lines', 'wildberries': 'int_wildberries_order_lines'}) }}
)

select
    order_line_key,
    order_id,
    marketplace,
    account,
    product_key,
    warehouse_key,
    fulfilment_scheme,
    order_status,
    marketplace_status,
    quantity,
    unit_price_rub,
    quantity * unit_price_rub as amount_rub,
    currency_code,
    ordered_at,
    {{ to_business_date('ordered_at') }} as business_date,
    synced_at,
    load_id
from order_lines
