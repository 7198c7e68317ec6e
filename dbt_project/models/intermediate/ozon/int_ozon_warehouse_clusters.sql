-- The cluster Ozon puts each warehouse in, per warehouse as the marts know it (warehouse_key): first
-- the cluster list (/v1/cluster/list), matched by warehouse id or by name, then the cluster that
-- analytics stock rows name; the newest reading wins within each. dim_warehouses takes the seed's
-- cluster only for a warehouse this model has no row for.
with listed as (
    select
        warehouse_id,
        raw_warehouse_name,
        cluster_name,
        synced_at
    from {{ ref('stg_ozon__cluster_warehouses') }}
    where cluster_name is not null
),

stocked as (
    select
        warehouse_id,
        raw_warehouse_name,
        cluster_name,
        max(synced_at) as synced_at
    from {{ ref('stg_ozon__analytics_stocks') }}
    group by warehouse_id, raw_warehouse_name, cluster_name
),

candidates as (
    select
        raw_warehouse_name,
        cluster_name,
        1 as precedence,
        synced_at
    from listed
    union all
    select
        stocked.raw_warehouse_name,
        listed.cluster_name,
        1 as precedence,
        listed.synced_at
    from stocked
    inner join listed
        on stocked.warehouse_id = listed.warehouse_id
    union all
    select
        raw_warehouse_name,
        cluster_name,
        2 as precedence,
        synced_at
    from stocked
    where cluster_name is not null
),

ranked as (
    select
        resolved.warehouse_key,
        candidates.cluster_name,
        row_number() over (
            partition by resolved.warehouse_key
            order by candidates.precedence asc, candidates.synced_at desc, candidates.cluster_name asc
        ) as preference
    from candidates
    inner join {{ ref('int_warehouse_names_resolved') }} as resolved
        on
            resolved.marketplace = 'ozon'
            and candidates.raw_warehouse_name = resolved.raw_warehouse_name
)

select
    warehouse_key,
    cluster_name
from ranked
where preference = 1
