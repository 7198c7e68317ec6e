-- Every warehouse spelling the marketplaces sent, with the warehouse it means. A spelling resolves
-- when its normalised form (of the name its warehouse id has elsewhere, for a row sent without a
-- name) is a known warehouse name or a known alias; otherwise, when it was sent with a warehouse id
-- that spellings resolving to one warehouse were sent with, to that warehouse (Ozon renamed it: its
-- history and today's stock stay one warehouse); otherwise it keeps a key of its own
-- (`ozon:unresolved:<normalised>`) so its stock still reaches the marts, and it is listed in
-- `warehouse_names_unresolved`.
with sightings as (
    select
        marketplace,
        raw_warehouse_name,
        name_by_id,
        warehouse_id
    from {{ ref('int_warehouse_spellings_unioned') }}
),

known_spellings as (
    select
        marketplace,
        warehouse_name,
        {{ normalize_warehouse_name('warehouse_name') }} as normalized_name
    from {{ ref('warehouses') }}
    union all
    select
        marketplace,
        warehouse_name,
        {{ normalize_warehouse_name('alias') }} as normalized_name
    from {{ ref('warehouse_aliases') }}
),

spellings_seen as (
    select
        marketplace,
        raw_warehouse_name,
        max(name_by_id) as name_by_id
    from sightings
    group by marketplace, raw_warehouse_name
),

spellings_normalized as (
    -- a row sent without a name goes by the name its warehouse id has elsewhere, when it has one
    select
        marketplace,
        raw_warehouse_name,
        {{ normalize_warehouse_name('coalesce(name_by_id, raw_warehouse_name)') }} as normalized_name
    from spellings_seen
),

resolved_by_name as (
    select
        marketplace,
        normalized_name,
        spellings_normalized.raw_warehouse_name,
        known_spellings.warehouse_name
    from spellings_normalized
    left join known_spellings using (marketplace, normalized_name)
),

sightings_resolved as (
    -- a warehouse id is the one warehouse that the spellings sent with it which resolve by name name
    select
        sightings.marketplace,
        sightings.raw_warehouse_name,
        case
            when min(resolved_by_name.warehouse_name) over same_id = max(resolved_by_name.warehouse_name) over same_id
                then min(resolved_by_name.warehouse_name) over same_id
        end as warehouse_name_by_id
    from sightings
    inner join resolved_by_name
        on
            sightings.marketplace = resolved_by_name.marketplace
            and sightings.raw_warehouse_name = resolved_by_name.raw_warehouse_name
    -- 0 is protobuf's default, sent for a warehouse Ozon does not name: no id
    where sightings.warehouse_id is not null and sightings.warehouse_id <> '0'
    window same_id as (partition by sightings.marketplace, sightings.warehouse_id)
),

resolved_by_id as (
    select
        marketplace,
        raw_warehouse_name,
        min(warehouse_name_by_id) as warehouse_name
    from sightings_resolved
    group by marketplace, raw_warehouse_name
    having min(warehouse_name_by_id) = max(warehouse_name_by_id)
)

select
    resolved_by_name.marketplace,
    resolved_by_name.raw_warehouse_name,
    resolved_by_name.normalized_name,
    coalesce(resolved_by_name.warehouse_name, resolved_by_id.warehouse_name) as warehouse_name,
    coalesce(resolved_by_name.warehouse_name, resolved_by_id.warehouse_name) is not null as is_resolved,
    case
        when resolved_by_name.warehouse_name is not null then 'name'
        when resolved_by_id.warehouse_name is not null then 'warehouse_id'
    end as resolved_by,
    {{ warehouse_key(
        'resolved_by_name.marketplace',
        "coalesce(resolved_by_name.warehouse_name, resolved_by_id.warehouse_name, "
        ~ "'unresolved:' || resolved_by_name.normalized_name)"
    ) }} as warehouse_key
from resolved_by_name
left join resolved_by_id
    on
        resolved_by_name.marketplace = resolved_by_id.marketplace
        and resolved_by_name.raw_warehouse_name = resolved_by_id.raw_warehouse_name
