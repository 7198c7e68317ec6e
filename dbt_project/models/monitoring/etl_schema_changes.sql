-- New raw tables and columns the marketplaces' APIs started sending, with the run that saw them.
select
    changes.schema_name,
    changes.version,
    changes.table_name,
    changes.column_name,
    changes.change,
    changes.seen_at,
    changes.run_id,
    changes.step
from {{ ops_source('schema_changes') }} as changes
