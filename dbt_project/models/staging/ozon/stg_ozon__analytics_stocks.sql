with source as (
    {{ raw_table('ozon', 'analytics_stocks') }}
)

select
    account,
    sku,
    offer_id,
    name as product_name,
    warehouse_id,
    {{ warehouse_name_as_sent('warehouse_name', 'warehouse_id') }} as raw_warehouse_name,
    cluster_id,
    cluster_name,
    available_stock_count as available_quantity,
    valid_stock_count as preparing_quantity,
    requested_stock_count as requested_quantity,
    transit_stock_count as in_transit_quantity,
    return_from_customer_stock_count as returning_from_customer_quantity,
    stock_defect_stock_count as defect_quantity,
    ads as average_daily_sales,
    ads_cluster as cluster_average_daily_sales,
    idc as days_of_cover_by_ozon,
    synced_at,
    _dlt_load_id as load_id,
    -- a row the answer repeats (one SKU at one warehouse of one snapshot, sent again, e.g. under two
    -- clusters) is no more stock: the stock models take copy 1 (dlt's _dlt_id, random, picks among
    -- copies that differ); rule duplicate_key still warns of it
    row_number() over (
        partition by account, _dlt_load_id, sku, warehouse_id, warehouse_name
        order by _dlt_id
    ) as answer_copy
from source
