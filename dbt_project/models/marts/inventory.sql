-- Stock now: one row per product, warehouse and stock type from each account's newest snapshot.
-- A cell whose row in that snapshot failed an error-level check (int_stock_cells_quarantined_now) keeps
-- its last known stock, with that snapshot's time and load. from_source_with_open_issues: the
-- snapshot it comes from has rows with error- or warn-level data quality issues (see
-- data_quality_issues): rows were left out or are suspect; always so for a last known stock.
{%- set quantities_and_load = 'available_quantity, reserved_quantity, in_transit_quantity, snapshot_at, load_id' %}

with newest as (
    select
        {{ stock_cell_columns() }},
        {{ quantities_and_load }},
        false as is_last_known
    from {{ ref('int_stock_snapshots_unioned') }}
    where is_latest
),

known_of_quarantined as (
    -- each quarantined cell's snapshots, newest first, and whether they listed it
    select
        filled.*,
        row_number() over (
            partition by {{ stock_cell_columns('filled') }}
            order by filled.snapshot_at desc
        ) as newest_first
    from {{ ref('int_stock_snapshots_filled') }} as filled
    inner join {{ ref('int_stock_cells_quarantined_now') }} as quarantined
        on {{ same_stock_cell('filled', 'quarantined') }}
),

last_known as (
    -- the quantities as that snapshot listed them: null where the source reports none (Ozon's FBO
    -- reserve), as in a stock now, not the 0 the filled history holds there
    select
        {{ stock_cell_columns('listed') }},
        listed.available_quantity,
        listed.reserved_quantity,
        listed.in_transit_quantity,
        listed.snapshot_at,
        listed.load_id,
        true as is_last_known
    from known_of_quarantined as known
    inner join {{ ref('int_stock_snapshots_unioned') }} as listed
        on
            {{ same_stock_cell('known', 'listed') }}
            and known.load_id = listed.load_id
    -- none when the cell's last known stock is none (its newest snapshot no longer listed it: no row)
    where known.newest_first = 1
),

snapshots as (
    select * from newest
    union all
    select * from last_known
),

scores as (
    select
        marketplace,
        account,
        source_table,
        load_id,
        rows_with_errors + rows_with_warnings > 0 as has_open_issues
    from {{ ref('data_quality_scores') }}
)

select
    snapshots.product_key,
    snapshots.warehouse_key,
    snapshots.stock_type,
    snapshots.marketplace,
    snapshots.account,
    snapshots.available_quantity,
    snapshots.reserved_quantity,
    snapshots.in_transit_quantity,
    snapshots.snapshot_at,
    snapshots.load_id,
    snapshots.is_last_known or coalesce(scores.has_open_issues, false) as from_source_with_open_issues
from snapshots
left join scores
    on
        snapshots.marketplace = scores.marketplace
        and snapshots.account = scores.account
        and snapshots.snapshot_source = scores.source_table
        and snapshots.load_id = scores.load_id
