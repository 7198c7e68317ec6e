-- How many rows each Ozon source table got per account and load, the rows the loader quarantined
-- included (they count against the source they were meant for): the denominator of the quality
-- scores. Posting tables count order lines; a quarantined posting counts as one.
{{ source_row_counts('ozon', [
    ("'postings_fbo'", 'stg_ozon__posting_lines_fbo', none),
    ("'postings_fbs'", 'stg_ozon__posting_lines_fbs', none),
    ("'analytics_stocks'", 'stg_ozon__analytics_stocks', none),
    ("'product_stocks'", 'stg_ozon__product_stocks', "stock_type <> 'fbo'"),
    ("'warehouse_stock_report'", 'stg_ozon__warehouse_stock_report', none),
    (
        "case when endpoint like '%fbo%' then 'postings_fbo' else 'postings_fbs' end",
        'stg_ozon__postings_quarantine', none
    ),
    ("'warehouse_stock_report'", 'stg_ozon__warehouse_stock_report_quarantine', none),
]) }}
