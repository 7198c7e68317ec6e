-- Average daily sales (ADS) over in-stock days only, per product × warehouse and per product ×
-- cluster, for every window in var velocity_windows (days before the newest data day). A day
-- with no stock at its start and no sales is a stock-out day and is left out, so stock-outs do
-- not drag ADS down; in_stock_days_<N>d is the evidence behind ads_<N>d.
with sales_days as (
    select * from {{ ref('int_sales_days') }}
)

select
    product_key,
    location_level,
    location_key,
    max(as_of_date) as as_of_date,
    {% for window in var('velocity_windows') %}
        sum(case when days_ago <= {{ window }} then units_ordered else 0 end) as units_{{ window }}d,
        sum(case when days_ago <= {{ window }} and is_in_stock_day then 1 else 0 end) as in_stock_days_{{ window }}d,
        cast(
            sum(case when days_ago <= {{ window }} then units_ordered else 0 end)
            / cast(
                nullif(sum(case when days_ago <= {{ window }} and is_in_stock_day then 1 else 0 end), 0)
                as decimal(18, 6)
            )
            as decimal(18, 6)
        ) as ads_{{ window }}d,
    {% endfor %}
    stddev_samp(
        case when days_ago <= {{ var('planning_window_days') }} and is_in_stock_day then units_ordered end
    ) as daily_units_stddev
from sales_days
group by product_key, location_level, location_key
