-- Warehouse spellings that neither the seed `warehouses` nor `warehouse_aliases` knows. Their stock
-- and orders are kept in the marts under an `<marketplace>:unresolved:...` warehouse; add the name
-- or an alias to the seeds to resolve it. The warning test on this model fires while it has rows.
select
    warehouse_names.marketplace,
    warehouse_names.raw_warehouse_name,
    warehouse_names.normalized_name,
    warehouse_names.warehouse_key,
    count(distinct sightings.account) as account_count,
    min(sightings.seen_at) as first_seen_at,
    max(sightings.seen_at) as last_seen_at
from {{ ref('int_warehouse_names_resolved') }} as warehouse_names
inner join {{ ref('int_warehouse_spellings_unioned') }} as sightings
    on
        warehouse_names.marketplace = sightings.marketplace
        and warehouse_names.raw_warehouse_name = sightings.raw_warehouse_name
where not warehouse_names.is_resolved
group by
    warehouse_names.marketplace,
    warehouse_names.raw_warehouse_name,
    warehouse_names.normalized_name,
    warehouse_names.warehouse_key
