{{ config(enabled=marketplace_enabled("wildberries")) }}

-- Every Wildberries order unit in raw (one srid per unit) without an error-level data quality
-- issue (those are listed in data_quality_issues) is one line of fact_orders, per account and
-- status: cancelled orders by isCancel, returned ones by a return row (R…) in sales. Returns the
-- accounts and statuses whose counts disagree.
with raw_orders as (
    select distinct
        account,
        srid,
        is_cancelled
    from {{ ref('stg_wildberries__orders') }} as orders
    where {{ passes_quality_checks('wildberries', 'orders', 'orders.account', 'orders.srid', 'orders.load_id') }}
),

returns as (
    select distinct
        account,
        srid
    from {{ ref('stg_wildberries__sales') }}
    where sale_kind = 'return'
),

raw_statuses as (
    select
        raw_orders.account,
        case
            when returns.srid is not null then 'returned'
            when raw_orders.is_cancelled then 'cancelled'
            else 'ordered or delivered'
        end as status_group
    from raw_orders
    left join returns
        on
            raw_orders.account = returns.account
            and raw_orders.srid = returns.srid
),

raw_counts as (
    select
        account,
        status_group,
        count(*) as order_lines
    from raw_statuses
    group by account, status_group
),

mart_lines as (
    select
        account,
        case
            when order_status in ('ordered', 'delivered') then 'ordered or delivered'
            else order_status
        end as status_group
    from {{ ref('fact_orders') }}
    where marketplace = 'wildberries'
),

mart_counts as (
    select
        account,
        status_group,
        count(*) as order_lines
    from mart_lines
    group by account, status_group
)

{{ rows_that_differ('raw_counts', 'mart_counts', ['account', 'status_group'], ['order_lines']) }}
