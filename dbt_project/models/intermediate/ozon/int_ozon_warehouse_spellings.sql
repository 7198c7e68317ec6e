-- Every Ozon warehouse name as sent (stock rows and FBO postings), with where and when it was seen
-- (a row sent without one is named by staging: macro warehouse_name_as_sent).
select
    'ozon' as marketplace,
    account,
    raw_warehouse_name,
    synced_at as seen_at
from {{ ref('stg_ozon__analytics_stocks') }}
union all
select
    'ozon' as marketplace,
    account,
    raw_warehouse_name,
    synced_at as seen_at
from {{ ref('stg_ozon__posting_lines_fbo') }}
