with source as (
    {{ raw_table('wildberries', 'offices') }}
)

select
    account,
    id as office_id,
    name as office_name,
    address,
    city,
    federal_district,
    longitude,
    latitude,
    cargo_type,
    delivery_type,
    selected as is_selected,
    synced_at,
    _dlt_load_id as load_id
from source
