-- Stock snapshots of every marketplace and account, summed per product, warehouse and stock type
-- (several spellings of one warehouse add up), with `is_latest` marking each account's newest
-- completed snapshot of each source: that is the stock now (none, when that snapshot listed no
-- row: macro empty_snapshot_loads, or when the account no longer reads the source: macro
-- resources_left_out). A load that repeats a snapshot time
-- of its account and source (a rerun at the same LOADER_NOW) is the same snapshot read again: only
-- the first load of each snapshot time is kept, so a repeat leaves the stock history as it was.
{{ config(materialized='table') }}
{#- the grain of the sum: one row per product, warehouse and stock type in each snapshot of a source -#}
{%- set summed_by = [
    'marketplace', 'account', 'product_key', 'warehouse_key', 'stock_type', 'snapshot_source', 'snapshot_at', 'load_id'
] %}

with unioned as (
    -- a row that failed an error-level check is no stock (int_stock_cells_quarantined)
    select *
    from (
        {{ union_marketplaces({'ozon': 'int_ozon_stock_snapshots', 'wildberries': 'int_wildberries_stock_snapshots'}) }}
    ) as snapshots
    where passes_checks
),

first_loads as (
    -- the first load of each snapshot time (several when a run repeated a LOADER_NOW)
    {{ first_snapshot_loads('unioned') }}
),

summed as (
    select
        {{ column_list(summed_by, 'unioned') }},
        sum(unioned.available_quantity) as available_quantity,
        sum(unioned.reserved_quantity) as reserved_quantity,
        sum(unioned.in_transit_quantity) as in_transit_quantity
    from unioned
    inner join first_loads
        using (marketplace, account, snapshot_source, snapshot_at, load_id)
    group by
        {{ column_list(summed_by, 'unioned') }}
),

snapshot_loads as (
    -- every snapshot: the first load of each snapshot time, and the loads that listed nothing
    select
        marketplace,
        account,
        snapshot_source,
        load_id,
        snapshot_at
    from first_loads
    union all
    {{ empty_snapshot_loads('first_loads') }}
),

latest as (
    -- a source whose newest snapshot listed nothing has no stock now: no row of it is the latest;
    -- nor has one the account no longer reads (left out by <PREFIX>_SKIP_RESOURCES): its last
    -- snapshot is no stock of today, so the stock there is unknown
    select newest.*
    from ({{ newest_loads('snapshot_loads') }}) as newest
    where {{ still_read('newest', 'snapshot_source', stock_snapshot_feeds()) }}
)

select
    summed.*,
    latest.load_id is not null as is_latest
from summed
left join latest
    on {{ same_source_load('summed', 'latest') }}
