with source as (
    {{ raw_table('ozon', 'analytics_stocks') }}
)

select
    account,
    sku,
    offer_id,
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
    idc as days_of_cover_by_ozon,
    synced_at,
    _dlt_load_id as load_id
from source
