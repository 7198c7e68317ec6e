-- Ozon's commission per sales scheme (FBO, FBS, rFBS, FBP) of every product, in roubles and percent.
-- dlt keeps the list in a child table; no table (the list was always empty) is no rows.
with products as (
    {{ raw_table('ozon', 'products') }}
),

commissions as (
    {{ raw_table('ozon', 'products__commissions') }}
)

select
    product.account,
    product.id as product_id,
    commission.sale_schema,
    commission.percent as commission_percent,
    commission.value as commission_rub,
    commission.delivery_amount as delivery_amount_rub,
    commission.return_amount as return_amount_rub,
    commission._dlt_list_idx as list_position,
    product._dlt_load_id as load_id
from commissions as commission
inner join products as product
    on commission._dlt_parent_id = product._dlt_id
