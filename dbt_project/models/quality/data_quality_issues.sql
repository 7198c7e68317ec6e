-- Every row a data quality rule flagged, once per rule, of every marketplace and account: what was
-- left out of the marts (severity error), what is kept but suspect (warn) and what is expected
-- (info). Nothing leaves the marts without a row here. The rules are in int_<marketplace>_quality_issues.
with issues as (
    {{ union_marketplaces({'ozon': 'int_ozon_quality_issues', 'wildberries': 'int_wildberries_quality_issues'}) }}
)

select
    marketplace,
    account,
    source_table,
    natural_key,
    rule_name as rule,  -- noqa: RF04
    severity,
    offending_value,
    load_id,
    detected_at
from issues
