-- One row per order line of every marketplace and account, with one status model (ordered,
-- cancelled, delivered, returned), quantities, unit price in roubles, UTC time and business date.
-- Incremental (macros/incremental.sql): a run rewrites the lines whose raw rows a load after its
-- watermark wrote (orders change status for days; dlt merges them with a new load id; a
-- Wildberries line also changes with a new sale or return of its srid).
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='order_line_key',
    on_schema_change='sync_all_columns',
    pre_hook="{{ fact_orders_reset() }}",
    post_hook=["{{ incremental_record('orders') }}", "{{ incremental_index('load_id') }}"],
) }}
{%- set watermark = incremental_watermark('orders') %}
{#- the refs of the incremental paths, seen when dbt parses the model -#}
{%- do order_line_keys_sql() %}

{%- set marketplaces = enabled_marketplaces() | select('in', ['ozon', 'wildberries']) | list %}
{%- if not marketplaces %}
    {{ exceptions.raise_compiler_error("MARKETPLACES enables neither ozon nor wildberries") }}
{%- endif %}

with order_lines as (
    {%- if 'ozon' in marketplaces %}
        select * from {{ ref('int_ozon_order_lines') }}
        {%- if watermark is not none %}
        where load_id > '{{ watermark }}'
        {%- endif %}
    {%- endif %}
    {%- if marketplaces | length > 1 %}
        union all
    {%- endif %}
    {%- if 'wildberries' in marketplaces %}
        select wildberries_lines.*
        from {{ ref('int_wildberries_order_lines') }} as wildberries_lines
        {%- if watermark is not none %}
        where
            wildberries_lines.load_id > '{{ watermark }}'
            -- a new sale or return changes the status of its order
            or exists (
                select 1
                from {{ ref('stg_wildberries__sales') }} as sales
                where
                    sales.account = wildberries_lines.account
                    and sales.srid = wildberries_lines.order_id
                    and sales.load_id > '{{ watermark }}'
            )
        {%- endif %}
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
