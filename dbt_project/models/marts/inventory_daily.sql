-- Stock per product × warehouse × stock type × business day: the last snapshot of the day
-- (var business_timezone). Days without a snapshot carry the last known stock forward
-- (is_observed = false) until the account's newest snapshot day.
-- Incremental (macros/incremental.sql): a run recomputes the days from the business day of the
-- oldest snapshot after its watermark on, carrying forward each series' last row before that day.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['product_key', 'warehouse_key', 'stock_type', 'business_date'],
    on_schema_change='sync_all_columns',
    pre_hook="{{ incremental_reset('stock') }}",
    post_hook=[
        "{{ incremental_record('stock', ref('int_stock_snapshots_filled')) }}",
        "{{ incremental_index('business_date') }}",
    ],
) }}
{%- set watermark = incremental_watermark('stock') %}
{%- set since = none %}
{%- if watermark is not none %}
    {%- set since = run_query(
        "select cast(min(snapshot_at) as varchar) from " ~ ref('int_stock_snapshots_filled')
        ~ " where load_id > '" ~ watermark ~ "'"
    ).rows[0][0] %}
{%- endif %}
{%- set since_at = "cast('" ~ since ~ "' as timestamp with time zone)" %}

with filled as (
    select
        *,
        {{ to_business_date('snapshot_at') }} as business_date
    from {{ ref('int_stock_snapshots_filled') }}
    {%- if watermark is not none and since is none %}
    where 1 = 0  -- no snapshot after the watermark: nothing to do
    {%- elif since is not none %}
    -- a superset of the days from the first new snapshot's business day on (zone offsets < 1 day)
    where snapshot_at >= {{ add_interval(since_at, -1, 'day') }}
    {%- endif %}
),

recent as (
    select *
    from filled
    {%- if since is not none %}
    where business_date >= {{ to_business_date(since_at) }}
    {%- endif %}
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
        from recent
    ) as ranked
    where newest_first = 1
),

closings as (
    select * from day_closing
    {%- if since is not none %}
    union all
    -- each series' last row before the recomputed days: it carries on until a new snapshot
    select
        {{ stock_cell_columns('previous') }},
        previous.business_date,
        previous.available_quantity,
        previous.reserved_quantity,
        previous.in_transit_quantity,
        previous.closing_snapshot_at as snapshot_at
    from {{ this }} as previous
    inner join (
        select
            marketplace,
            account,
            max(business_date) as business_date
        from {{ this }}
        where business_date < {{ to_business_date(since_at) }}
        group by marketplace, account
    ) as previous_days
        on
            previous.marketplace = previous_days.marketplace
            and previous.account = previous_days.account
            and previous.business_date = previous_days.business_date
    {%- endif %}
),

account_last_day as (
    select
        marketplace,
        account,
        max(business_date) as last_date
    from (
        select
            marketplace,
            account,
            business_date
        from recent
        {%- if since is not none %}
        union all
        select
            marketplace,
            account,
            max(business_date) as business_date
        from {{ this }}
        group by marketplace, account
        {%- endif %}
    ) as account_days
    group by marketplace, account
),

series as (
    select
        {{ stock_cell_columns() }},
        min(business_date) as first_date
    from closings
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
        max(closings.business_date) over (
            partition by spine.product_key, spine.warehouse_key, spine.stock_type, spine.snapshot_source
            order by spine.business_date
            rows between unbounded preceding and current row
        ) as observed_date
    from spine
    left join closings
        on
            spine.product_key = closings.product_key
            and spine.warehouse_key = closings.warehouse_key
            and spine.stock_type = closings.stock_type
            and spine.snapshot_source = closings.snapshot_source
            and spine.business_date = closings.business_date
)

select
    carried.product_key,
    carried.warehouse_key,
    carried.stock_type,
    carried.marketplace,
    carried.account,
    carried.snapshot_source,
    carried.business_date,
    closings.available_quantity,
    closings.reserved_quantity,
    closings.in_transit_quantity,
    carried.observed_date = carried.business_date as is_observed,
    closings.snapshot_at as closing_snapshot_at
from carried
inner join closings
    on
        carried.product_key = closings.product_key
        and carried.warehouse_key = closings.warehouse_key
        and carried.stock_type = closings.stock_type
        and carried.snapshot_source = closings.snapshot_source
        and carried.observed_date = closings.business_date
{%- if since is not none %}
where carried.business_date >= {{ to_business_date(since_at) }}
{%- endif %}
