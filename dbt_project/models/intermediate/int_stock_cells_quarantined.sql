-- The stock cells (product × warehouse × stock type of an account and source) whose row in a
-- snapshot failed an error-level data quality check, none of its rows there passing: the cell's
-- stock in that snapshot is unknown, not 0. int_stock_snapshots_filled gives such a cell no row in
-- that snapshot (the stock history carries the last known one forward), and inventory keeps the
-- last known stock of a cell quarantined in the newest snapshot. A load that repeats a snapshot time
-- (a rerun at the same LOADER_NOW) is no snapshot of its own (int_stock_snapshots_unioned): a row of
-- it that failed a check quarantines nothing.
with snapshots as (
    select *
    from (
        {{ union_marketplaces({'ozon': 'int_ozon_stock_snapshots', 'wildberries': 'int_wildberries_stock_snapshots'}) }}
    ) as unioned
),

first_loads as (
    {{ first_snapshot_loads('snapshots') }}
)

select
    {{ stock_cell_columns('snapshots') }},
    snapshots.load_id
from snapshots
inner join first_loads
    using (marketplace, account, snapshot_source, snapshot_at, load_id)
group by {{ stock_cell_columns('snapshots') }}, snapshots.load_id
having not bool_or(snapshots.passes_checks)
