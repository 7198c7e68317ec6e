-- Stock now: one row per product, warehouse and stock type from each account's newest snapshot.
-- from_source_with_open_issues: the snapshot it comes from has rows with error- or warn-level data
-- quality issues (see data_quality_issues): rows were left out or are suspect.
with snapshots as (
    select *
    from {{ ref('int_stock_snapshots_unioned') }}
    where is_latest
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
    coalesce(scores.has_open_issues, false) as from_source_with_open_issues
from snapshots
left join scores
    on
        snapshots.marketplace = scores.marketplace
        and snapshots.account = scores.account
        and snapshots.snapshot_source = scores.source_table
        and snapshots.load_id = scores.load_id
