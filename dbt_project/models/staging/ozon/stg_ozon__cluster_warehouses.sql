-- Ozon clusters and the Ozon warehouses in each (/v1/cluster/list): one row per cluster × cluster_warehouse.
-- dlt keeps the nested lists in child tables; joining them back restores the API object.
with clusters as (
    {{ raw_table('ozon', 'clusters') }}
),

cluster_warehouses as (
    {{ raw_table('ozon', 'clusters__logistic_clusters__warehouses') }}
)

select
    ozon_cluster.account,
    ozon_cluster.id as cluster_id,
    ozon_cluster.name as cluster_name,
    ozon_cluster.type as cluster_type,
    ozon_cluster.macrolocal_cluster_id,
    cluster_warehouse.warehouse_id,
    cluster_warehouse.name as raw_warehouse_name,
    cluster_warehouse.type as warehouse_type,
    ozon_cluster.synced_at,
    ozon_cluster._dlt_load_id as load_id
from clusters as ozon_cluster
inner join cluster_warehouses as cluster_warehouse
    on ozon_cluster._dlt_id = cluster_warehouse._dlt_root_id
