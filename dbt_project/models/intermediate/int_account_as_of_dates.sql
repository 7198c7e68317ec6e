-- Each account's as_of_date, the day its velocity and analytics windows end before: the newest data
-- day (int_calendar_days), or the business day of the account's newest read of all its orders
-- (int_orders_loaded) when that is earlier. A day whose orders are not all loaded yet is no day of
-- few sales: a stock load after midnight comes hours before the night's orders load, and an
-- account whose orders loads stopped (or that WB throttles) while its stock loads go on would
-- count days without sales. A table: the velocity and analytics models all read it.
{{ config(materialized='table') }}

with newest_day as (
    select max(calendar_date) as as_of_date
    from {{ ref('int_calendar_days') }}
),

accounts as (
    select distinct
        marketplace,
        account
    from {{ ref('dim_products') }}
)

select
    accounts.marketplace,
    accounts.account,
    least(newest_day.as_of_date, {{ to_business_date('orders_loaded.orders_loaded_at') }}) as as_of_date
from accounts
cross join newest_day
left join {{ ref('int_orders_loaded') }} as orders_loaded
    on
        accounts.marketplace = orders_loaded.marketplace
        and accounts.account = orders_loaded.account
