-- Each account's orders feeds (Ozon's FBO and FBS posting lists, Wildberries' statistics orders)
-- that a load read whole (resource_outcomes ok, dlt load completed), with the newest such read. A
-- feed missing here was never read whole: a key or token the marketplace refuses it (a key without
-- the postings role, a WB token without the Statistics category) loads no orders, and the demand of
-- the locations it serves is unknown, not zero (int_stock_positions). So is a feed the account no
-- longer reads (its newest orders load did not try it: left out by <PREFIX>_SKIP_RESOURCES): its
-- older reads would hold the account's as_of_date (int_orders_loaded) there for good, and count its
-- locations' days since as days without sales. A feed tried and refused since its last whole read
-- stays, with that read: its orders since are not loaded yet.
{% set orders_feeds = [('ozon', 'postings_fbo'), ('ozon', 'postings_fbs'), ('wildberries', 'orders')] %}

with orders_reads as (
    {{ whole_reads(orders_feeds) }}
),

feeds_read_now as (
    {{ resources_tried_last(orders_feeds) }}
)

select
    orders_reads.marketplace,
    orders_reads.account,
    orders_reads.resource,
    max(orders_reads.snapshot_at) as newest_read_at
from orders_reads
inner join feeds_read_now
    on
        orders_reads.marketplace = feeds_read_now.marketplace
        and orders_reads.account = feeds_read_now.account
        and orders_reads.resource = feeds_read_now.resource
group by orders_reads.marketplace, orders_reads.account, orders_reads.resource
