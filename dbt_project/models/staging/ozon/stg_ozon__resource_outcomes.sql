-- What became of each resource of each loader run (macros/loader_tables.sql).
{{ staged_resource_outcomes('ozon') }}
