-- One row per card ever read from the trash (cards/trash: cards/list leaves them out), as last read.
-- Which of them are in the trash now is told by the newest successful read (int_wildberries_products).
with source as (
    {{ raw_table('wildberries', 'cards_trash') }}
)

select
    account,
    nm_id,
    vendor_code,
    subject_id,
    subject_name,
    {{ try_cast_timestamp('created_at') }} as created_at,
    {{ try_cast_timestamp('trashed_at') }} as trashed_at,
    synced_at,
    _dlt_id as card_row_id,
    _dlt_load_id as load_id
from source
