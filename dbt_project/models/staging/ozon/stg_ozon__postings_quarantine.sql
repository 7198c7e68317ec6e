-- Postings the loader could not store (no posting_number, no valid time, no products list), kept
-- whole with the reason instead of being dropped. The raw table appears with the first one.
with quarantined as (
    {{ optional_source('ozon', 'postings_quarantine', {
        'account': 'varchar', 'endpoint': 'varchar', 'posting_number': 'varchar', 'reason': 'varchar',
        'raw_posting': 'varchar', 'synced_at': 'timestamp with time zone', '_dlt_load_id': 'varchar',
        '_dlt_id': 'varchar'
    }) }}
)

select
    account,
    endpoint,
    posting_number,
    reason,
    raw_posting,
    synced_at,
    _dlt_load_id as load_id,
    _dlt_id as quarantine_row_id
from quarantined
