-- Orders from the statistics API: one row per order unit (srid), its latest state. WB sends
-- Moscow time, without an offset unless it names another zone; *_at columns are UTC instants,
-- last_change_date_msk stays as sent (the loader's cursor). cancelDate's sentinel 0001-01-01T00:00:00 becomes null.
with raw_orders as (
    {{ raw_table('wildberries', 'orders') }}
),

-- without techSize, a row counts for the size of the card that holds its barcode
orders as (
    {{ wildberries_rows_sized('raw_orders') }}
)

select
    account,
    srid,
    g_number as cart_id,
    sticker,
    nm_id,
    barcode,
    supplier_article,
    sized_tech_size as tech_size,
    brand,
    subject,
    category,
    {{ warehouse_name_as_sent('warehouse_name') }} as raw_warehouse_name,
    warehouse_type,
    {{ is_wildberries_seller_warehouse('warehouse_type') }} as is_seller_warehouse,
    country_name,
    oblast_okrug_name,
    region_name,
    income_id,
    {{ as_decimal('total_price') }} as total_price,
    discount_percent,
    {{ as_decimal('spp', 9) }} as wb_discount_percent,
    {{ as_decimal('finished_price') }} as finished_price,
    {{ as_decimal('price_with_disc') }} as price_with_discount,
    -- an account that never sends isCancel still sends the cancellation's date
    coalesce(is_cancel, {{ from_moscow_time('cancel_date') }} is not null) as is_cancelled,
    {{ from_moscow_time('"date"') }} as ordered_at,
    date as ordered_at_msk,
    {{ from_moscow_time('cancel_date') }} as cancelled_at,
    {{ from_moscow_time('last_change_date') }} as changed_at,
    last_change_date as last_change_date_msk,
    synced_at,
    _dlt_load_id as load_id
from orders
