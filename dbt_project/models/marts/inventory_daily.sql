-- Stock per product × warehouse × stock type × business day: the last snapshot of the day
-- (var business_timezone). Days without a snapshot carry the last known stock forward
-- (is_observed = false) until the account's newest snapshot day.
with filled as (
    select
        *,
        {{ to_business_date('snapshot_at') }} as business_date
    from {{ ref('int_stock_snapshots_filled') }}
),

day_closing as (
    select
        {{ stock_cell_columns() }},
        business_date,
        available_quantity,
        reserved_quantity,
        in_transit_quantity,
        snapshot_at
    from (
        select
            *,
            row_number() over (
                partition by product_key, warehouse_key, stock_type, snapshot_source, business_date
                order by snapshot_at desc
            ) as newest_first
        from filled
    ) as ranked
    where newest_first = 1
),

account_last_day as (
    select
        marketplace,
        account,
        max(business_date) as last_date
    from filled
    group by marketplace, account
),

series as (
    select
        {{ stock_cell_columns() }},
        min(business_date) as first_date
    from day_closing
    group by {{ stock_cell_columns() }}
),

spine as (
    select
        series.*,
        calendar.calendar_date as business_date
    from series
    inner join account_last_day
        on
            series.marketplace = account_last_day.marketplace
            and series.account = account_last_day.account
    inner join {{ ref('int_calendar_days') }} as calendar
        on calendar.calendar_date between series.first_date and account_last_day.last_date
),

carried as (
    select
        spine.*,
        max(day_closing.business_date) over (
            partition by spine.product_key, spine.warehouse_key, spine.stock_type, spine.snapshot_source
            order by spine.business_date
            rows between unbounded preceding and current row
        ) as observed_date
    from spine
    left join day_closing
        using (product_key, warehouse_key, stock_type, snapshot_source, business_date)
)

select
    carried.product_key,
    carried.warehouse_key,
    carried.stock_type,
    carried.marketplace,
    carried.account,
    carried.snapshot_source,
    carried.business_date,
    day_closing.available_quantity,
    day_closing.reserved_quantity,
    day_closing.in_transit_quantity,
    carried.observed_date = carried.business_date as is_observed,
    day_closing.snapshot_at as closing_snapshot_at
from carried
inner join day_closing
    on
        carried.product_key = day_closing.product_key
        and carried.warehouse_key = day_closing.warehouse_key
        and carried.stock_type = day_closing.stock_type
        and carried.snapshot_source = day_closing.snapshot_source
        and carried.observed_date = day_closing.business_date
