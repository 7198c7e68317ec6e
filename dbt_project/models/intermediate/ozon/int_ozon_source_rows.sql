-- How many rows each Ozon source table got per account and load, the rows the loader quarantined
-- included (they count against the source they were meant for): the denominator of the quality
-- scores. Posting tables count order lines; a quarantined posting counts as one.
with counted as (
    select
        'postings_fbo' as source_table,
        account,
        load_id
    from {{ ref('stg_ozon__posting_lines_fbo') }}
    union all
    select
        'postings_fbs' as source_table,
        account,
        load_id
    from {{ ref('stg_ozon__posting_lines_fbs') }}
    union all
    select
        'analytics_stocks' as source_table,
        account,
        load_id
    from {{ ref('stg_ozon__analytics_stocks') }}
    union all
    select
        'product_stocks' as source_table,
        account,
        load_id
    from {{ ref('stg_ozon__product_stocks') }}
    where stock_type <> 'fbo'
    union all
    select
        'warehouse_stock_report' as source_table,
        account,
        load_id
    from {{ ref('stg_ozon__warehouse_stock_report') }}
    union all
    select
        case when endpoint like '%fbo%' then 'postings_fbo' else 'postings_fbs' end as source_table,
        account,
        load_id
    from {{ ref('stg_ozon__postings_quarantine') }}
    union all
    select
        'warehouse_stock_report' as source_table,
        account,
        load_id
    from {{ ref('stg_ozon__warehouse_stock_report_quarantine') }}
)

select
    'ozon' as marketplace,
    source_table,
    account,
    load_id,
    count(*) as row_count
from counted
group by source_table, account, load_id
