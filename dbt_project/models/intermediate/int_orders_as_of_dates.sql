-- Each account's as_of_date per orders feed (orders_feeds: Ozon's FBO and FBS posting lists,
-- Wildberries' orders): the day the windows of the locations the feed serves (orders_feed_of, as
-- int_stock_positions maps them) end before. It is the account's as_of_date
-- (int_account_as_of_dates), or the business day of the feed's newest whole read when that is
-- earlier: a feed the account no longer reads (left out by <PREFIX>_SKIP_RESOURCES, so
-- int_orders_reads leaves it out and it no longer holds the account's as_of_date) has not loaded
-- its locations' orders since that read, and those days are no days without sales, as for a feed
-- that fails (which holds the account's as_of_date there). A feed never read whole takes the
-- account's as_of_date: it loaded no orders to end anywhere, and its locations' demand is unknown
-- (int_stock_positions gives them no position). int_sales_days, product_abc_xyz and
-- order_localisation end their windows here. A table: they all read it.
{{ config(materialized='table') }}

with orders_reads as (
    {{ whole_reads(orders_feeds()) }}
),

feeds as (
    {%- for marketplace, resource in enabled_resources(orders_feeds()) %}
        {{ "union all" if not loop.first }}
        select
            '{{ marketplace }}' as marketplace,
            '{{ resource }}' as resource  -- noqa: RF04
    {%- endfor %}
)

select
    account_as_of.marketplace,
    account_as_of.account,
    feeds.resource,
    -- the feed's newest whole read, when it is earlier
    least(
        account_as_of.as_of_date,
        coalesce(max({{ to_business_date('orders_reads.snapshot_at') }}), account_as_of.as_of_date)
    ) as as_of_date
from {{ ref('int_account_as_of_dates') }} as account_as_of
inner join feeds
    on account_as_of.marketplace = feeds.marketplace
left join orders_reads
    on
        account_as_of.marketplace = orders_reads.marketplace
        and account_as_of.account = orders_reads.account
        and feeds.resource = orders_reads.resource
group by account_as_of.marketplace, account_as_of.account, feeds.resource, account_as_of.as_of_date
