-- dlt's record of each load of this marketplace (macros/loader_tables.sql).
{{ staged_loads('wildberries') }}
