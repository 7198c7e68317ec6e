-- New raw tables and columns the marketplaces' APIs started sending, with the run that saw them.
with schema_changes as (
    {{ raw_table('ops', 'schema_changes') }}
)

select
    changes.schema_name,
    changes.version,
    changes.table_name,
    changes.column_name,
    changes.change,
    changes.seen_at,
    changes.run_id,
    changes.step
from schema_changes as changes
