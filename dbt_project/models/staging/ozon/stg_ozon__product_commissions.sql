-- Ozon's commission per sales scheme (FBO, FBS, rFBS, FBP) of every product, in roubles and percent.
-- dlt keeps the list in a child table; no table (the list was always empty) is no rows.
with commissions as (
    {{ raw_child_table('ozon', 'products__commissions', 'products', ['account', 'id as product_id']) }}
)

select
    account,
    product_id,
    sale_schema,
    percent as commission_percent,
    value as commission_rub,
    delivery_amount as delivery_amount_rub,
    return_amount as return_amount_rub,
    _dlt_list_idx as list_position,
    load_id
from commissions
