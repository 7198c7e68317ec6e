-- The stock cells (product × warehouse × stock type of an account and source) whose row in a
-- snapshot failed an error-level data quality check, none of its rows there passing: the cell's
-- stock in that snapshot is unknown, not 0. int_stock_snapshots_filled gives such a cell no row in
-- that snapshot (the stock history carries the last known one forward), and inventory keeps the
-- last known stock of a cell quarantined in the newest snapshot.
select
    {{ stock_cell_columns() }},
    load_id
from (
    {{ union_marketplaces({'ozon': 'int_ozon_stock_snapshots', 'wildberries': 'int_wildberries_stock_snapshots'}) }}
) as snapshots
group by {{ stock_cell_columns() }}, load_id
having not bool_or(passes_checks)
