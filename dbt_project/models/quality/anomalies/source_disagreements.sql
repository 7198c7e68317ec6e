-- Two sources of the same quantity (source_comparisons: same load, per product and per account)
-- that disagree by more than var source_disagreement_tolerance, as a share of the larger figure,
-- and by at least var source_disagreement_min_units units.
select
    {{ column_list(source_comparison_columns() | reject('equalto', 'comparison_status') | list) }}
from {{ ref('source_comparisons') }}
where
    comparison_status = 'compared'
    and abs(difference) >= {{ var('source_disagreement_min_units') }}
    and difference_share > {{ var('source_disagreement_tolerance') }}
