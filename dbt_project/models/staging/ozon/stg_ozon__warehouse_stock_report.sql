-- Rows of the asynchronous FBS warehouse stock report (/v1/report/warehouse/stock CSV): the
-- seller's stock per own warehouse and article. Only complete, valid reports are loaded.
with source as (
    {{ raw_table('ozon', 'warehouse_stock_report') }}
)

select
    account,
    report_code,
    warehouse_id,
    warehouse_name,
    offer_id,
    product_name,
    available as available_quantity,
    reserved as reserved_quantity,
    synced_at,
    _dlt_load_id as load_id
from source
