-- Each account's newest read of all its orders: of each orders feed it read (int_orders_reads), its
-- newest whole read; of those, the oldest. Orders placed after it may not be loaded yet: a stock
-- load after midnight before the night's orders load, an account whose loads stopped while others
-- go on, or a resource WB throttles (skipped). int_sales_days ends the account's windows before its day.
select
    marketplace,
    account,
    min(newest_read_at) as orders_loaded_at
from {{ ref('int_orders_reads') }}
group by marketplace, account
