-- Each account's newest read of all its orders: of each orders resource (Ozon's FBO and FBS posting
-- lists, Wildberries' statistics orders), its newest load that read it whole (resource_outcomes ok,
-- dlt load completed); of those, the oldest. Orders placed after it may not be loaded yet: a stock
-- load after midnight before the night's orders load, an account whose loads stopped while others
-- go on, or a resource WB throttles (skipped). int_sales_days ends the account's windows before its day.
with orders_reads as (
    {{ whole_reads([('ozon', 'postings_fbo'), ('ozon', 'postings_fbs'), ('wildberries', 'orders')]) }}
),

newest_reads as (
    select
        marketplace,
        account,
        resource,
        max(snapshot_at) as newest_read_at
    from orders_reads
    group by marketplace, account, resource
)

select
    marketplace,
    account,
    min(newest_read_at) as orders_loaded_at
from newest_reads
group by marketplace, account
