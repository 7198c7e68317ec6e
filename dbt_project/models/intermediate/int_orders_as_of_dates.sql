-- Each account's as_of_date per orders feed (orders_feeds: Ozon's FBO and FBS posting lists,
-- Wildberries' orders): the day the windows of the locations the feed serves (orders_feed_of, as
-- int_stock_positions maps them) end before. It is the account's as_of_date
-- (int_account_as_of_dates), or the business day of the feed's newest whole read when that is
-- earlier: a feed the account no longer reads (left out by <PREFIX>_SKIP_RESOURCES, so
-- int_orders_reads leaves it out and it no longer holds the account's as_of_date) has not loaded
-- its locations' orders since that read, and those days are no days without sales, as for a feed
-- that fails (which holds the account's as_of_date there). A feed never read whole (refused, removed
-- or left out on every load so far) has a null as_of_date: its locations' demand is unknown, not
-- zero, so they have no day of the windows (int_sales_days: no velocity or lost sales there), no
-- position (int_stock_positions), and its account's products no ABC/XYZ class (product_abc_xyz).
-- A feed read whole that listed no order (a new seller, no FBS sales) is read: zero demand, known.
-- int_sales_days, product_abc_xyz and order_localisation end their windows here. A table: they all
-- read it.
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
    -- the feed's newest whole read, when it is earlier; none when it was never read whole (least
    -- skips a null)
    case
        when max(orders_reads.snapshot_at) is not null
            then least(account_as_of.as_of_date, max({{ to_business_date('orders_reads.snapshot_at') }}))
    end as as_of_date
from {{ ref('int_account_as_of_dates') }} as account_as_of
inner join feeds
    on account_as_of.marketplace = feeds.marketplace
left join orders_reads
    on
        account_as_of.marketplace = orders_reads.marketplace
        and account_as_of.account = orders_reads.account
        and feeds.resource = orders_reads.resource
group by account_as_of.marketplace, account_as_of.account, feeds.resource, account_as_of.as_of_date
