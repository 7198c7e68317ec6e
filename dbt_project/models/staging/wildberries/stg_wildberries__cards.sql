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
    cast(created_at as timestamp with time zone) as created_at,
    cast(updated_at as timestamp with time zone) as updated_at,
    synced_at,
    _dlt_id as card_row_id,
    _dlt_load_id as load_id
from {{ source('wildberries', 'cards') }}
