-- Average daily sales (ADS) per product × warehouse and per product × cluster, for every window in
-- var velocity_windows (days before the location's as_of_date, int_sales_days), by the rule of doc
-- velocity_ads:
--   ads_<N>d = units_<N>d / in_stock_days_<N>d (the window's in-stock days + days of unknown stock)
-- and daily_units_stddev_<N>d, σ_d of the safety stock, over the same counted days: the plan takes
-- both from the one window whose ADS it uses (int_stock_positions).
-- A stock-out day (no stock at its start, no sales) is left out, so stock-outs do not drag ADS
-- down; a day before the account's stock history without sales has unknown stock and counts as a
-- calendar day, so a first run's orders give a velocity. velocity_basis names the rule the
-- planning window used; stock_history_days_<N>d and order_history_days_<N>d say how much of each
-- window the stock history and the order history cover.
with sales_days as (
    select
        *,
        -- a day ADS divides by: in stock, or stock unknown
        coalesce(is_in_stock_day, true) as is_counted_day
    from {{ ref('int_sales_days') }}
),

windows as (
    select
        product_key,
        location_level,
        location_key,
        max(as_of_date) as as_of_date,
        {% for window in setting('velocity_windows') %}
            sum(case when days_ago <= {{ window }} then units_ordered else 0 end) as units_{{ window }}d,
            sum(case when days_ago <= {{ window }} and is_counted_day then 1 else 0 end)
                as in_stock_days_{{ window }}d,
            sum(case when days_ago <= {{ window }} and has_stock_history then 1 else 0 end)
                as stock_history_days_{{ window }}d,
            sum(case when days_ago <= {{ window }} then 1 else 0 end) as order_history_days_{{ window }}d,
            cast(
                sum(case when days_ago <= {{ window }} then units_ordered else 0 end)
                / cast(
                    nullif(sum(case when days_ago <= {{ window }} and is_counted_day then 1 else 0 end), 0)
                    as decimal(18, 6)
                )
                as decimal(18, 6)
            ) as ads_{{ window }}d,
            -- rounded like the ADS: a float sum's last digit depends on the order rows arrive in
            cast(
                stddev_samp(case when days_ago <= {{ window }} and is_counted_day then units_ordered end)
                as decimal(18, 6)
            ) as daily_units_stddev_{{ window }}d
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from sales_days
    group by product_key, location_level, location_key
)

{%- set planning = var('planning_window_days') %}

select
    *,
    case
        when stock_history_days_{{ planning }}d = order_history_days_{{ planning }}d then 'in_stock_days'
        when stock_history_days_{{ planning }}d = 0 then 'calendar_days_orders'
        else 'in_stock_and_calendar_days'
    end as velocity_basis
from windows
