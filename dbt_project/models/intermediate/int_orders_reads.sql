-- Each account's orders feeds (Ozon's FBO and FBS posting lists, Wildberries' statistics orders)
-- that a load read whole (resource_outcomes ok, dlt load completed), with the newest such read. A
-- feed missing here was never read whole: a key or token the marketplace refuses it (a key without
-- the postings role, a WB token without the Statistics category) loads no orders, and the demand of
-- the locations it serves is unknown, not zero (int_stock_positions).
with orders_reads as (
    {{ whole_reads([('ozon', 'postings_fbo'), ('ozon', 'postings_fbs'), ('wildberries', 'orders')]) }}
)

select
    marketplace,
    account,
    resource,
    max(snapshot_at) as newest_read_at
from orders_reads
group by marketplace, account, resource
