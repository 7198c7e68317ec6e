-- The stock cells quarantined in the newest snapshot of their source (int_stock_cells_quarantined):
-- their stock now is unknown. inventory keeps their last known stock; one without any (no earlier
-- snapshot listed stock there, or it had sold out) has no stock now, and int_stock_positions plans
-- and alerts nothing there. A table, not a view over its two parents: a build's threads replacing
-- both at once would each drop it with cascade (PostgreSQL: deadlock detected).
{{ config(materialized='table') }}

with snapshot_loads as (
    -- each source's snapshots, whether they listed rows, none, or only rows that failed a check
    select
        marketplace,
        account,
        snapshot_source,
        load_id
    from {{ ref('int_stock_snapshots_filled') }}
    union all
    select
        marketplace,
        account,
        snapshot_source,
        load_id
    from {{ ref('int_stock_cells_quarantined') }}
),

newest_loads as (
    {{ newest_loads('snapshot_loads') }}
),

newest_loads_still_read as (
    -- not of a feed the account no longer reads (left out by <PREFIX>_SKIP_RESOURCES): its last
    -- snapshot is no stock now, quarantined cells included (as in int_stock_snapshots_unioned)
    select *
    from newest_loads
    where {{ still_read('newest_loads', 'snapshot_source', stock_snapshot_feeds()) }}
)

select
    {{ stock_cell_columns('quarantined') }},
    quarantined.load_id
from {{ ref('int_stock_cells_quarantined') }} as quarantined
inner join newest_loads_still_read
    on {{ same_source_load('quarantined', 'newest_loads_still_read') }}
