-- What became of each resource of each loader run: ok, skipped or failed, with the HTTP status,
-- endpoint and message. data_load_id is the load of the run's data rows (load_id: of these rows).
-- Installs from before the loaders wrote outcomes have no raw table: no rows, every load complete.
with source as (
    {{ raw_table('wildberries', 'resource_outcomes') }}
)

select
    account,
    resource,
    status,
    http_status,
    endpoint,
    message,
    synced_at,
    data_load_id,
    window_since,
    quarantined_rows,
    _dlt_load_id as load_id
from source
