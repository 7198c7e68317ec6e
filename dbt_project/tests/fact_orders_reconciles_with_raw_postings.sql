{{ config(enabled=marketplace_enabled("ozon")) }}

-- Every raw Ozon order line without an error-level data quality issue (those are listed in
-- data_quality_issues) is in fact_orders, once: per account and scheme, the number of lines and of
-- units in the staged postings equals those in the mart. Returns the ones that differ.
with raw_lines as (
    select
        account,
        'fbo' as fulfilment_scheme,
        count(*) as line_count,
        sum(quantity) as units
    from {{ ref('stg_ozon__posting_lines_fbo') }} as fbo
    where {{ passes_quality_checks(
        'ozon', 'postings_fbo', 'fbo.account', ozon_order_line_natural_key('fbo'), 'fbo.load_id'
    ) }}
    group by account
    union all
    select
        account,
        'fbs' as fulfilment_scheme,
        count(*) as line_count,
        sum(quantity) as units
    from {{ ref('stg_ozon__posting_lines_fbs') }} as fbs
    where {{ passes_quality_checks(
        'ozon', 'postings_fbs', 'fbs.account', ozon_order_line_natural_key('fbs'), 'fbs.load_id'
    ) }}
    group by account
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
