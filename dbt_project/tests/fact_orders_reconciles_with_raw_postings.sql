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

select
    coalesce(raw_lines.account, mart_lines.account) as seller_account,
    coalesce(raw_lines.fulfilment_scheme, mart_lines.fulfilment_scheme) as fulfilment_scheme,
    raw_lines.line_count as raw_line_count,
    mart_lines.line_count as mart_line_count,
    raw_lines.units as raw_units,
    mart_lines.units as mart_units
from raw_lines
full outer join mart_lines
    on
        raw_lines.account = mart_lines.account
        and raw_lines.fulfilment_scheme = mart_lines.fulfilment_scheme
where
    raw_lines.line_count is distinct from mart_lines.line_count
    or raw_lines.units is distinct from mart_lines.units
