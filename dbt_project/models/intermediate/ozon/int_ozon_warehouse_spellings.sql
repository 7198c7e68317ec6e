-- Every Ozon warehouse name as sent (stock rows and FBO postings), with where and when it was seen.
select
    'ozon' as marketplace,
    account,
    raw_warehouse_name,
    synced_at as seen_at
from {{ ref('stg_ozon__analytics_stocks') }}
where raw_warehouse_name is not null
union all
select
    'ozon' as marketplace,
    account,
    raw_warehouse_name,
    synced_at as seen_at
from {{ ref('stg_ozon__posting_lines_fbo') }}
where raw_warehouse_name is not null
