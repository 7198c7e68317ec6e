-- One row per day from the first day any stock snapshot or order was seen to the newest one: the
-- orders loaded on a first run reach back before the first snapshot, and velocity counts them.
-- Counted back from the newest day, so the newest 10,000 days are there whatever the oldest date.
with data_days as (
    -- the filled snapshots: they have the snapshots that listed nothing too
    select {{ to_business_date('snapshot_at') }} as business_date
    from {{ ref('int_stock_snapshots_filled') }}
    union all
    select business_date
    from {{ ref('fact_orders') }}
),

bounds as (
    select
        min(business_date) as first_date,
        max(business_date) as last_date
    from data_days
),

offsets as (
    {{ integers(4) }}
)

select bounds.last_date - offsets.n as calendar_date
from bounds
inner join offsets
    on bounds.last_date - offsets.n >= bounds.first_date
