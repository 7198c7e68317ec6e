with source as (
    {{ raw_table('wildberries', 'cards') }}
)

select
    account,
    nm_id,
    imt_id,
    nm_uuid,
    subject_id,
    subject_name,
    vendor_code,
    brand,
    title as product_name,
    {{ try_cast_timestamp('created_at') }} as created_at,
    {{ try_cast_timestamp('updated_at') }} as updated_at,
    synced_at,
    _dlt_id as card_row_id,
    _dlt_load_id as load_id
from source
