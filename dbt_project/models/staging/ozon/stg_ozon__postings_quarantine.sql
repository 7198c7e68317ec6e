-- Postings the loader could not store (no posting_number, no valid time, no products list), kept
-- whole with the reason instead of being dropped. The raw table appears with the first one.
with source as (
    {{ raw_table('ozon', 'postings_quarantine') }}
)

select
    account,
    endpoint,
    posting_number,
    reason,
    raw_posting,
    window_since,
    synced_at,
    _dlt_load_id as load_id,
    _dlt_id as quarantine_row_id
from source
