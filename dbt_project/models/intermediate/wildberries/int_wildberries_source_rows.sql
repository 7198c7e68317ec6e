-- How many rows each Wildberries source table got per account and load, the rows the loader
-- quarantined included (they count against the source they were meant for): the denominator of the
-- quality scores. warehouse_remains counts size × real warehouse entries (pseudo-warehouses left out).
{{ source_row_counts('wildberries', [
    ("'orders'", 'stg_wildberries__orders', none),
    ("'sales'", 'stg_wildberries__sales', none),
    ("'warehouse_remains'", 'stg_wildberries__warehouse_remains', 'not is_pseudo_warehouse'),
    ('source_table', 'stg_wildberries__statistics_quarantine', none),
    ("'warehouse_remains'", 'stg_wildberries__warehouse_remains_quarantine', none),
]) }}
