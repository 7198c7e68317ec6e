-- Every known warehouse (seed `warehouses`) and every unknown name the marketplaces sent, so that
-- each inventory row has its warehouse here. Unknown ones have is_resolved = false, and are the
-- marketplace's (fbo): only its own warehouses' feeds send names to resolve. The cluster is
-- the marketplace's own (int_ozon_warehouse_clusters: Ozon's cluster list and analytics stock), the
-- seed's only where the API says nothing (cluster_source tells which).
-- is_aggregate marks the names Wildberries masks its warehouses with ("Склад WB РФ", ...): one
-- row stands for many real warehouses, so stock and plans there are per marketplace, not per site.
-- has_stock_feed is false for the warehouses var warehouses_without_stock_feed names, whose stock
-- no loaded feed reports: there it is unknown, not zero.
with spellings as (
    select
        warehouse_key,
        count(*) as spellings_seen
    from {{ ref('int_warehouse_names_resolved') }}
    group by warehouse_key
),

api_clusters as (
    {%- if marketplace_enabled('ozon') %}
        select
            warehouse_key,
            cluster_name
        from {{ ref('int_ozon_warehouse_clusters') }}
    {%- else %}
        select
            cast(null as varchar) as warehouse_key,
            cast(null as varchar) as cluster_name
        where 1 = 0
    {%- endif %}
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
        true as is_resolved,
        {{ warehouse_key('marketplace', 'warehouse_name') }} not in (
            '{{ setting("warehouses_without_stock_feed") | join("', '") }}'
        ) as has_stock_feed
    from {{ ref('warehouses') }}
),

unresolved as (
    select distinct
        warehouse_key,
        marketplace,
        normalized_name as warehouse_name,
        -- a name only the marketplace's own feeds send (Ozon FBO stock and postings, WB's
        -- warehouses): its warehouse, whose stock and demand count in the plan like a known one's
        'fbo' as warehouse_type,
        cast(null as varchar) as cluster_name,
        cast(null as varchar) as city,
        false as is_aggregate,
        false as is_resolved,
        true as has_stock_feed
    from {{ ref('int_warehouse_names_resolved') }}
    where not is_resolved
),

warehouses as (
    select * from known
    union all
    select * from unresolved
)

select
    warehouses.warehouse_key,
    warehouses.marketplace,
    warehouses.warehouse_name,
    warehouses.warehouse_type,
    coalesce(api_clusters.cluster_name, warehouses.cluster_name) as cluster_name,
    case
        when api_clusters.cluster_name is not null then 'api'
        when warehouses.cluster_name is not null then 'seed'
    end as cluster_source,
    warehouses.city,
    warehouses.is_aggregate,
    warehouses.is_resolved,
    warehouses.has_stock_feed,
    coalesce(spellings.spellings_seen, 0) as spellings_seen
from warehouses
left join api_clusters
    on warehouses.warehouse_key = api_clusters.warehouse_key
left join spellings
    on warehouses.warehouse_key = spellings.warehouse_key
