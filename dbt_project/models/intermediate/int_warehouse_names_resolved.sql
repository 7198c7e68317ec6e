-- Every warehouse spelling the marketplaces sent, with the warehouse it means. A spelling resolves
-- when its normalised form is a known warehouse name or a known alias; otherwise it keeps a key of
-- its own (`ozon:unresolved:<normalised>`) so its stock still reaches the marts, and it is listed
-- in `warehouse_names_unresolved`.
with spellings_seen as (
    select distinct
        marketplace,
        raw_warehouse_name
    from {{ ref('int_warehouse_spellings_unioned') }}
),

spellings_normalized as (
    select
        marketplace,
        raw_warehouse_name,
        {{ normalize_warehouse_name('raw_warehouse_name') }} as normalized_name
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
