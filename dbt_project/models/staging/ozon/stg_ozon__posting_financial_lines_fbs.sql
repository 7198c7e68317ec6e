-- The financial data of every FBS posting line: price, discount, Ozon's commission, payout.
-- dlt keeps the list in a child table; no table (the list was always empty) is no rows.
with postings as (
    {{ raw_table('ozon', 'postings_fbs') }}
),

financial_lines as (
    {{ raw_table('ozon', 'postings_fbs__financial_data__products') }}
)

select
    posting.account,
    posting.posting_number,
    financial_line.product_id as sku,
    financial_line.price,
    financial_line.old_price,
    financial_line.payout,
    financial_line.total_discount_value as total_discount_rub,
    financial_line.total_discount_percent,
    financial_line.commission__amount as commission_amount,
    financial_line.commission__percent as commission_percent,
    financial_line.commission__currency as commission_currency,
    financial_line._dlt_list_idx as list_position,
    posting._dlt_load_id as load_id
from financial_lines as financial_line
inner join postings as posting
    on financial_line._dlt_parent_id = posting._dlt_id
