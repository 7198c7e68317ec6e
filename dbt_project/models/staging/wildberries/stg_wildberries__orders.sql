-- Orders from the statistics API: one row per order unit (srid), its latest state. WB sends
-- Moscow time without an offset; *_at columns are UTC instants, last_change_date_msk stays as
-- sent (the loader's cursor). cancelDate's sentinel 0001-01-01T00:00:00 becomes null.
with orders as (
    {{ optional_source('wildberries', 'orders', {
        'account': 'varchar', 'srid': 'varchar', 'g_number': 'varchar', 'sticker': 'varchar',
        'nm_id': 'bigint', 'barcode': 'varchar', 'supplier_article': 'varchar', 'tech_size': 'varchar',
        'brand': 'varchar', 'subject': 'varchar', 'category': 'varchar', 'warehouse_name': 'varchar',
        'warehouse_type': 'varchar', 'country_name': 'varchar', 'oblast_okrug_name': 'varchar',
        'region_name': 'varchar', 'income_id': 'bigint', 'total_price': 'double precision',
        'discount_percent': 'bigint', 'spp': 'double precision', 'finished_price': 'double precision',
        'price_with_disc': 'double precision', 'is_cancel': 'boolean', 'date': 'varchar',
        'cancel_date': 'varchar', 'last_change_date': 'varchar',
        'synced_at': 'timestamp with time zone', '_dlt_load_id': 'varchar'
    }) }}
)

select
    account,
    srid,
    g_number as cart_id,
    sticker,
    nm_id,
    barcode,
    supplier_article,
    coalesce(tech_size, '0') as tech_size,
    brand,
    subject,
    category,
    warehouse_name as raw_warehouse_name,
    warehouse_type,
    warehouse_type = 'Склад продавца' as is_seller_warehouse,
    country_name,
    oblast_okrug_name,
    region_name,
    income_id,
    cast(total_price as decimal(18, 2)) as total_price,
    discount_percent,
    cast(spp as decimal(9, 2)) as wb_discount_percent,
    cast(finished_price as decimal(18, 2)) as finished_price,
    cast(price_with_disc as decimal(18, 2)) as price_with_discount,
    coalesce(is_cancel, false) as is_cancelled,
    {{ from_moscow_time('"date"') }} as ordered_at,
    date as ordered_at_msk,
    {{ from_moscow_time('cancel_date') }} as cancelled_at,
    {{ from_moscow_time('last_change_date') }} as changed_at,
    last_change_date as last_change_date_msk,
    synced_at,
    _dlt_load_id as load_id
from orders
