-- Ozon clusters and the Ozon warehouses in each (/v1/cluster/list): one row per cluster × cluster_warehouse.
-- dlt keeps the nested lists in child tables; joining them back restores the API object.
with cluster_warehouses as (
    {{ raw_child_table(
        'ozon', 'clusters__logistic_clusters__warehouses', 'clusters',
        [
            'account', 'id as cluster_id', 'name as cluster_name', 'type as cluster_type', 'macrolocal_cluster_id',
            'synced_at'
        ],
        via='_dlt_root_id'
    ) }}
)

select
    account,
    cluster_id,
    cluster_name,
    cluster_type,
    macrolocal_cluster_id,
    warehouse_id,
    name as raw_warehouse_name,
    type as warehouse_type,
    synced_at,
    load_id
from cluster_warehouses
