-- Drift in what the marketplaces' APIs send, with the run that saw it: new raw tables and columns
-- (change new_table, new_column), values of another type than their column (type_mismatch: dlt's
-- variant column, e.g. quantity__v_text), and columns that vanished (vanished_column: filled in every
-- row of the table's load before and in none of the newest; the staging column reads null since).
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
