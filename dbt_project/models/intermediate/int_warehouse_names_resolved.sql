-- Every warehouse spelling the marketplaces sent, with the warehouse it means. A spelling resolves
-- when its normalised form (of the name its warehouse id has elsewhere, for a row sent without a
-- name) is a known warehouse name or a known alias; otherwise it keeps a key of
-- its own (`ozon:unresolved:<normalised>`) so its stock still reaches the marts, and it is listed
-- in `warehouse_names_unresolved`.
with spellings_seen as (
    select
        marketplace,
        raw_warehouse_name,
        max(name_by_id) as name_by_id
    from {{ ref('int_warehouse_spellings_unioned') }}
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
)

select
    spellings_normalized.marketplace,
    spellings_normalized.raw_warehouse_name,
    spellings_normalized.normalized_name,
    known_spellings.warehouse_name,
    known_spellings.warehouse_name is not null as is_resolved,
    {{ warehouse_key(
        'spellings_normalized.marketplace',
        "coalesce(known_spellings.warehouse_name, 'unresolved:' || spellings_normalized.normalized_name)"
    ) }} as warehouse_key
from spellings_normalized
left join known_spellings
    on
        spellings_normalized.marketplace = known_spellings.marketplace
        and spellings_normalized.normalized_name = known_spellings.normalized_name
