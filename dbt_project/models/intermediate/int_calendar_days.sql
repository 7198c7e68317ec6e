-- One row per day from the first day any stock snapshot or order was seen to the newest one.
with bounds as (
    select
        min({{ to_business_date('snapshot_at') }}) as first_date,
        max({{ to_business_date('snapshot_at') }}) as last_date
    from {{ ref('int_stock_snapshots_unioned') }}
),

offsets as (
    {{ integers(4) }}
)

select bounds.first_date + offsets.n as calendar_date
from bounds
inner join offsets
    on bounds.first_date + offsets.n <= bounds.last_date
