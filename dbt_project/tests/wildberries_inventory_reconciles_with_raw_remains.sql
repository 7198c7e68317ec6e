{{ config(enabled=marketplace_enabled("wildberries")) }}

-- No unit is lost or invented between the newest completed warehouse_remains report and the
-- inventory mart: per account, inventory fbw available = the report's units over real warehouses
-- (pseudo-warehouses, a report row's second copy and rows with an error-level data quality issue
-- left out). From staging on
-- purpose, not from the models the mart uses. Returns the accounts that disagree.
with completed as (
    select remains.*
    from ({{ completed_snapshot_rows('wildberries', 'warehouse_remains') }}) as remains
    where remains.report_copy = 1 and {{ passes_quality_checks(
        'wildberries', 'warehouse_remains', 'remains.account', wildberries_remains_natural_key('remains'), 'remains.load_id'
    ) }}
),

newest as (
    -- a newest report without rows is no stock now
    {{ newest_snapshot('wildberries', 'warehouse_remains', 'completed') }}
),

raw_totals as (
    select
        completed.account,
        sum(completed.quantity) as available_quantity
    from completed
    inner join newest
        on
            completed.account = newest.account
            and completed.load_id = newest.load_id
    where not completed.is_pseudo_warehouse
    group by completed.account
),

mart_totals as (
    -- of that report: not the last known stock kept for a row that failed a check
    select
        inventory.account,
        sum(inventory.available_quantity) as available_quantity
    from {{ ref('inventory') }} as inventory
    inner join newest
        on
            inventory.account = newest.account
            and inventory.snapshot_at >= newest.snapshot_at
    where inventory.marketplace = 'wildberries'
    group by inventory.account
)

{{ rows_that_differ('raw_totals', 'mart_totals', ['account'], ['available_quantity']) }}
