{#- Data quality: natural keys of the rows the checks look at, and the filter that keeps the rows
    with an error-level issue out of the marts. The rules themselves are in
    int_<marketplace>_quality_issues; data_quality_issues lists every issue. -#}

{#- A quantity outside 0 .. var max_plausible_quantity (default 100000): negative or absurd. -#}
{% macro is_implausible_quantity(expression) -%}
    ({{ expression }} < 0 or {{ expression }} > {{ var('max_plausible_quantity', 100000) }})
{%- endmacro %}

{#- True for a row whose (source table, account, natural key, load) has no error-level issue. The
    natural key expression must be the one int_<marketplace>_quality_issues uses for that table. -#}
{% macro passes_quality_checks(marketplace, source_table, account, natural_key, load_id) -%}
    not exists (
        select 1
        from {{ ref('int_' ~ marketplace ~ '_quality_issues') }} as quality_errors
        where
            quality_errors.severity = 'error'
            and quality_errors.source_table = '{{ source_table }}'
            and quality_errors.account = {{ account }}
            and quality_errors.natural_key = {{ natural_key }}
            and quality_errors.load_id = {{ load_id }}
    )
{%- endmacro %}

{#- Natural keys (account and load are separate columns). -#}
{% macro ozon_order_line_natural_key(alias) -%}
    {{ alias }}.posting_number || ':' || cast({{ alias }}.line_number as varchar)
{%- endmacro %}

{% macro ozon_analytics_stock_natural_key(alias) -%}
    cast({{ alias }}.sku as varchar) || '@' || coalesce({{ alias }}.raw_warehouse_name, '')
{%- endmacro %}

{% macro ozon_product_stock_natural_key(alias) -%}
    cast({{ alias }}.product_id as varchar) || ':' || {{ alias }}.stock_type
{%- endmacro %}

{% macro wildberries_remains_natural_key(alias) -%}
    cast({{ alias }}.nm_id as varchar) || '/' || {{ alias }}.tech_size || '@' || coalesce({{ alias }}.raw_warehouse_name, '')
{%- endmacro %}
