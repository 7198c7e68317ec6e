-- Each account's orders feeds (Ozon's FBO and FBS posting lists, Wildberries' statistics orders)
-- that a load read whole (resource_outcomes ok, dlt load completed), with the newest such read. A
-- feed missing here was never read whole: a key or token the marketplace refuses it (a key without
-- the postings role, a WB token without the Statistics category) loads no orders, and the demand of
-- the locations it serves is unknown, not zero (int_stock_positions). So is a feed the account no
-- longer reads (left out by <PREFIX>_SKIP_RESOURCES): its older reads would hold the account's
-- as_of_date (int_orders_loaded) there for good; its locations' windows end at its last whole read
-- instead (int_orders_as_of_dates). A feed tried and refused since its last whole read stays, with
-- that read: its orders since are not loaded yet.
with orders_reads as (
    {{ whole_reads(orders_feeds()) }}
)

select
    marketplace,
    account,
    resource,
    max(snapshot_at) as newest_read_at
from orders_reads
where {{ still_read('orders_reads', 'resource', orders_feeds()) }}
group by marketplace, account, resource
