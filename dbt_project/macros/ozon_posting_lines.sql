{#- One row per product line of the Ozon postings in raw table `postings_table`: the posting's
    columns with each entry of its `products` list, which dlt keeps in a child table. FBO and FBS
    postings differ only in where the warehouse is (`warehouse_prefix`: analytics_data__warehouse
    or delivery_method__warehouse) and in which time stamps their creation; every column read here
    is declared for both tables in _ozon__sources.yml. A seller without orders yet has no posting
    tables: the rows stay empty until they appear (macro raw_table). -#}
{% macro ozon_posting_lines(postings_table, warehouse_id_column, warehouse_name_column, created_at_column) -%}
{{ ozon_posting_list(postings_table, 'products') }}

select
    posting.account,
    posting.posting_number,
    posting.order_id,
    posting.order_number,
    product_line._dlt_list_idx as line_number,
    -- Ozon's enums are not always in one case (ozon.md): compared in lower case, currencies in upper
    lower(posting.status) as status,
    lower(posting.substatus) as substatus,
    product_line.sku,
    product_line.offer_id,
    product_line.name as product_name,
    product_line.quantity,
    {{ text_to_money('product_line.price__amount') }} as unit_price,
    -- the lists send roubles (RUB, the only currency they document; RUR is its old code): a price
    -- sent without its currency (or with "", which reads null) is in roubles, not left out of the revenue
    coalesce(nullif(upper(product_line.price__currency), 'RUR'), 'RUB') as currency_code,
    posting.{{ warehouse_id_column }} as warehouse_id,
    {{ warehouse_name_as_sent('posting.' ~ warehouse_name_column, 'posting.' ~ warehouse_id_column) }} as raw_warehouse_name,
    posting.financial_data__cluster_from as cluster_from,
    posting.financial_data__cluster_to as cluster_to,
    {{ try_cast_timestamp('posting.' ~ created_at_column) }} as created_at,
    posting.{{ created_at_column }} as created_at_as_sent,
    {{ try_cast_timestamp('posting.in_process_at') }} as in_process_at,
    posting.synced_at,
    posting._dlt_load_id as load_id
from postings as posting
inner join list_entries as product_line
    on posting._dlt_id = product_line._dlt_parent_id
{%- endmacro %}


{#- The financial data of every product line of the Ozon postings in raw table `postings_table`
    (price, discount, Ozon's commission, payout): the `financial_data.products` list, which dlt
    keeps in a child table; no table (the list was always empty) is no rows. -#}
{% macro ozon_posting_financial_lines(postings_table) -%}
{{ ozon_posting_list(postings_table, 'financial_data__products') }}

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
from list_entries as financial_line
inner join postings as posting
    on financial_line._dlt_parent_id = posting._dlt_id
{%- endmacro %}


{#- The CTEs both macros above read: `postings`, the Ozon postings in raw table `postings_table`, and
    `list_entries`, the entries of one list of theirs (`list_name`: products, financial_data__products),
    which dlt keeps in the child table `<postings_table>__<list_name>` (joined on _dlt_parent_id). -#}
{% macro ozon_posting_list(postings_table, list_name) -%}
with postings as (
    {{ raw_table('ozon', postings_table) }}
),

list_entries as (
    {{ raw_table('ozon', postings_table ~ '__' ~ list_name) }}
)
{%- endmacro %}
