-- The stock cells quarantined in the newest snapshot of their source (int_stock_cells_quarantined):
-- their stock now is unknown. inventory keeps their last known stock; one without any (no earlier
-- snapshot listed stock there, or it had sold out) has no stock now, and int_stock_positions plans
-- and alerts nothing there. A table, not a view over its two parents: a build's threads replacing
-- both at once would each drop it with cascade (PostgreSQL: deadlock detected).
{{ config(materialized='table') }}

with newest_loads as (
    -- each source's newest snapshot, whether it listed rows, none, or only rows that failed a check
    select
        marketplace,
        account,
        snapshot_source,
        max(load_id) as load_id
    from (
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
    ) as snapshot_loads
    group by marketplace, account, snapshot_source
)

select
    {{ stock_cell_columns('quarantined') }},
    quarantined.load_id
from {{ ref('int_stock_cells_quarantined') }} as quarantined
inner join newest_loads
    on {{ same_source_load('quarantined', 'newest_loads') }}
