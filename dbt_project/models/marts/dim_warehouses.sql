-- Every known warehouse (seed `warehouses`) and every unknown name the marketplaces sent, so that
-- each inventory row has its warehouse here. Unknown ones have is_resolved = false and no cluster.
-- is_aggregate marks the names Wildberries masks its warehouses with ("Склад WB РФ", ...): one
-- row stands for many real warehouses, so stock and plans there are per marketplace, not per site.
with spellings as (
    select
        warehouse_key,
        count(*) as spellings_seen
    from {{ ref('int_warehouse_names_resolved') }}
    group by warehouse_key
),

known as (
    select
        {{ warehouse_key('marketplace', 'warehouse_name') }} as warehouse_key,
        marketplace,
        warehouse_name,
        warehouse_type,
        cluster_name,
        city,
        is_aggregate,
        true as is_resolved
    from {{ ref('warehouses') }}
),

unresolved as (
    select distinct
        warehouse_key,
        marketplace,
        normalized_name as warehouse_name,
        'unknown' as warehouse_type,
        cast(null as varchar) as cluster_name,
        cast(null as varchar) as city,
        false as is_aggregate,
        false as is_resolved
    from {{ ref('int_warehouse_names_resolved') }}
    where not is_resolved
),

warehouses as (
    select * from known
    union all
    select * from unresolved
)

select
    warehouses.*,
    coalesce(spellings.spellings_seen, 0) as spellings_seen
from warehouses
left join spellings
    on warehouses.warehouse_key = spellings.warehouse_key
