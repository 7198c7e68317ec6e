-- Every product × warehouse × stock type at every snapshot of its account and source since it first
-- appeared, with 0 where a snapshot no longer lists it: the APIs omit empty rows, so a row that
-- disappears means the stock ran out, and history must say so (a snapshot that listed no row at
-- all, too: macro empty_snapshot_loads). A row left out because it failed an error-level check is
-- no such disappearance: that cell has no row in that snapshot (int_stock_cells_quarantined).
{{ config(materialized='table') }}

with snapshots as (
    select
        {{ stock_cell_columns() }},
        load_id,
        snapshot_at,
        available_quantity,
        reserved_quantity,
        in_transit_quantity
    from {{ ref('int_stock_snapshots_unioned') }}
),

listed_runs as (
    select distinct
        marketplace,
        account,
        snapshot_source,
        load_id,
        snapshot_at
    from snapshots
),

snapshot_runs as (
    -- with the snapshots that listed nothing: every cell of the source is 0 there
    select * from listed_runs
    union all
    {{ empty_snapshot_loads('listed_runs') }}
),

series as (
    select
        {{ stock_cell_columns() }},
        min(snapshot_at) as first_snapshot_at
    from snapshots
    group by {{ stock_cell_columns() }}
)

select
    series.marketplace,
    series.account,
    series.snapshot_source,
    series.product_key,
    series.warehouse_key,
    series.stock_type,
    snapshot_runs.load_id,
    snapshot_runs.snapshot_at,
    snapshots.load_id is not null as is_listed,
    coalesce(snapshots.available_quantity, 0) as available_quantity,
    coalesce(snapshots.reserved_quantity, 0) as reserved_quantity,
    coalesce(snapshots.in_transit_quantity, 0) as in_transit_quantity
from series
inner join snapshot_runs
    on
        series.marketplace = snapshot_runs.marketplace
        and series.account = snapshot_runs.account
        and series.snapshot_source = snapshot_runs.snapshot_source
        and series.first_snapshot_at <= snapshot_runs.snapshot_at
left join snapshots
    on
        series.product_key = snapshots.product_key
        and series.warehouse_key = snapshots.warehouse_key
        and series.stock_type = snapshots.stock_type
        and snapshot_runs.load_id = snapshots.load_id
-- a cell whose row failed a check in a snapshot has no known stock there: no row, not 0
left join {{ ref('int_stock_cells_quarantined') }} as quarantined
    on
        {{ same_stock_cell('series', 'quarantined') }}
        and snapshot_runs.load_id = quarantined.load_id
where quarantined.load_id is null
