{{ config(enabled=marketplace_enabled("ozon")) }}

-- Every raw Ozon order line without an error-level data quality issue (those are listed in
-- data_quality_issues) is in fact_orders, once: per account and scheme, the number of lines and of
-- units in the staged postings equals those in the mart. Returns the ones that differ.
with raw_lines as (
    {%- for scheme in ['fbo', 'fbs'] %}
        {{ 'union all' if not loop.first }}
        select
            account,
            '{{ scheme }}' as fulfilment_scheme,
            count(*) as line_count,
            sum(quantity) as units
        from {{ ref('stg_ozon__posting_lines_' ~ scheme) }} as posting_lines
        where {{ passes_quality_checks(
            'ozon', 'postings_' ~ scheme, 'posting_lines.account', ozon_order_line_natural_key('posting_lines'),
            'posting_lines.load_id'
        ) }}
        group by account
    {%- endfor %}
),

mart_lines as (
    select
        account,
        fulfilment_scheme,
        count(*) as line_count,
        sum(quantity) as units
    from {{ ref('fact_orders') }}
    where marketplace = 'ozon'
    group by account, fulfilment_scheme
)

{{ rows_that_differ('raw_lines', 'mart_lines', ['account', 'fulfilment_scheme'], ['line_count', 'units']) }}
