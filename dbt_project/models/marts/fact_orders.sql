-- One row per order line of every marketplace and account, with one status model (ordered,
-- cancelled, delivered, returned), quantities, unit price in roubles, UTC time and business date.
{%- set marketplaces = enabled_marketplaces() | select('in', ['ozon', 'wildberries']) | list %}
{%- if not marketplaces %}
    {{ exceptions.raise_compiler_error("MARKETPLACES enables neither ozon nor wildberries") }}
{%- endif %}

with order_lines as (
    {%- if 'ozon' in marketplaces %}
        select * from {{ ref('int_ozon_order_lines') }}
    {%- endif %}
    {%- if marketplaces | length > 1 %}
        union all
    {%- endif %}
    {%- if 'wildberries' in marketplaces %}
        select * from {{ ref('int_wildberries_order_lines') }}
    {%- endif %}
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
