{#- Data quality: natural keys of the rows the checks look at, and the filter that keeps the rows
    with an error-level issue out of the marts. The rules themselves are in
    int_<marketplace>_quality_issues; data_quality_issues lists every issue. -#}

{#- A quantity outside 0 .. var max_plausible_quantity (default 100000): negative or absurd. -#}
{% macro is_implausible_quantity(expression) -%}
    ({{ expression }} < 0 or {{ expression }} > {{ var('max_plausible_quantity', 100000) }})
{%- endmacro %}

{#- True for a row whose (source table, account, natural key, load) has no error-level issue. The
    natural key expression must be the one int_<marketplace>_quality_issues uses for that table. -#}
{% macro passes_quality_checks(marketplace, source_table, account, natural_key, load_id) -%}
    not exists (
        select 1
        from {{ ref('int_' ~ marketplace ~ '_quality_issues') }} as quality_errors
        where
            quality_errors.severity = 'error'
            and quality_errors.source_table = '{{ source_table }}'
            and quality_errors.account = {{ account }}
            and quality_errors.natural_key = {{ natural_key }}
            and quality_errors.load_id = {{ load_id }}
    )
{%- endmacro %}

{#- Natural keys (account and load are separate columns). -#}
{% macro ozon_order_line_natural_key(alias) -%}
    {{ alias }}.posting_number || ':' || cast({{ alias }}.line_number as varchar)
{%- endmacro %}

{#- passes_quality_checks for an Ozon order line of `scheme` (fbo, fbs), a row of
    stg_ozon__posting_lines_<scheme> under the alias `scheme`. -#}
{% macro ozon_order_line_passes_checks(scheme) -%}
    {{ passes_quality_checks(
        'ozon', 'postings_' ~ scheme, scheme ~ '.account', ozon_order_line_natural_key(scheme), scheme ~ '.load_id'
    ) }}
{%- endmacro %}

{#- A row of /v1/analytics/stocks without its (optional) warehouse_name is told apart by warehouse_id. -#}
{#- Never null, whatever was not sent: a null key would match no issue and let its row through. The
    warehouse of a stock row is named as sent or by its id (macro warehouse_name_as_sent). -#}
{% macro ozon_analytics_stock_natural_key(alias) -%}
    coalesce(cast({{ alias }}.sku as varchar), 'no sku') || '@' || {{ alias }}.raw_warehouse_name
{%- endmacro %}

{% macro ozon_product_stock_natural_key(alias) -%}
    coalesce(cast({{ alias }}.product_id as varchar), 'no product_id') || ':' || coalesce({{ alias }}.stock_type, 'no type')
{%- endmacro %}

{% macro wildberries_remains_natural_key(alias) -%}
    cast({{ alias }}.nm_id as varchar) || '/' || {{ alias }}.size_key || '@' || coalesce({{ alias }}.raw_warehouse_name, '')
{%- endmacro %}

{#- The final select of int_<marketplace>_quality_issues over its CTE `issues`: one row per flagged
    row and rule, the gravest severity kept. A natural key sent twice in one load (rule duplicate_key
    says so) is one row to leave out, not two issues of one rule. -#}
{% macro issues_once_per_row(marketplace) -%}
select
    '{{ marketplace }}' as marketplace,
    source_table,
    account,
    natural_key,
    rule_name,
    case max(case severity when 'error' then 3 when 'warn' then 2 else 1 end)
        when 3 then 'error'
        when 2 then 'warn'
        else 'info'
    end as severity,
    min(offending_value) as offending_value,
    load_id,
    max(detected_at) as detected_at
from issues
group by source_table, account, natural_key, rule_name, load_id
{%- endmacro %}

{#- The offending value of a rule over one or more columns as SQL text, `label value, label value`
    ('null' for a null): labelled_values([('present', 'present_quantity'), ('reserved', 'reserved_quantity')]). -#}
{% macro labelled_values(pairs) -%}
    {%- for label, column in pairs -%}
        {{ "'" if loop.first else " || ', " }}{{ label }} ' || coalesce(cast({{ column }} as varchar), 'null')
    {%- endfor -%}
{%- endmacro %}

{#- The columns of data_quality_issues (after marketplace) for one rule over rows that carry
    source_table, account, natural_key, load_id and synced_at; `alias` qualifies those columns. -#}
{% macro issue_columns(rule_name, severity, offending_value, alias=none) -%}
    {%- set prefix = alias ~ '.' if alias else '' -%}
    {{ prefix }}source_table,
    {{ prefix }}account,
    {{ prefix }}natural_key,
    '{{ rule_name }}' as rule_name,
    {{ severity if severity.startswith('case') else "'" ~ severity ~ "'" }} as severity,
    {{ offending_value }} as offending_value,
    {{ prefix }}load_id,
    {{ prefix }}synced_at as detected_at
{%- endmacro %}

{#- Rule duplicate_key (warn): a natural key more than once in one load of its source table, over
    the named row sets (CTEs with the columns of issue_columns). -#}
{% macro duplicate_key_issues(row_sets) -%}
    select
        source_table,
        account,
        natural_key,
        'duplicate_key' as rule_name,
        'warn' as severity,
        cast(count(*) as varchar) || ' rows' as offending_value,
        load_id,
        max(synced_at) as detected_at
    from (
        {% for row_set in row_sets -%}
        select source_table, account, natural_key, load_id, synced_at from {{ row_set }}
        {% if not loop.last %}union all
        {% endif -%}
        {%- endfor %}
    ) as keyed_rows
    group by source_table, account, natural_key, load_id
    having count(*) > 1
{%- endmacro %}

{#- Rule unknown_warehouse (warn): a warehouse name of the marketplace that no seed resolves (the
    marts keep the row under unresolved:<name>), over the named row sets with raw_warehouse_name. -#}
{% macro unknown_warehouse_issues(marketplace, row_sets) -%}
    select
        {{ issue_columns('unknown_warehouse', 'warn', 'rows_with_warehouse.raw_warehouse_name', 'rows_with_warehouse') }}
    from (
        {% for row_set in row_sets -%}
        select source_table, account, natural_key, raw_warehouse_name, load_id, synced_at from {{ row_set }}
        {% if not loop.last %}union all
        {% endif -%}
        {%- endfor %}
    ) as rows_with_warehouse
    inner join {{ ref('int_warehouse_names_resolved') }} as warehouse_names
        on {{ resolves_warehouse_name(marketplace, 'rows_with_warehouse') }}
    where not warehouse_names.is_resolved
{%- endmacro %}

{#- Rule product_not_in_catalogue: the rows of `row_sets` (CTEs with source_table, account,
    natural_key, `key`, load_id, synced_at) whose `key` the `catalogue` (a CTE with account and `key`)
    does not hold; `label` names the key in the offending value. -#}
{% macro not_in_catalogue_issues(severity, key, label, row_sets, catalogue) -%}
    select
        {{ issue_columns(
            'product_not_in_catalogue', severity,
            labelled_values([(label, 'rows_with_key.' ~ key)]), 'rows_with_key'
        ) }}
    from (
        {% for row_set in row_sets -%}
        select source_table, account, natural_key, {{ key }}, load_id, synced_at from {{ row_set }}
        {% if not loop.last %}union all
        {% endif -%}
        {%- endfor %}
    ) as rows_with_key
    left join {{ catalogue }} as catalogue
        on
            rows_with_key.account = catalogue.account
            and rows_with_key.{{ key }} = catalogue.{{ key }}
    where catalogue.{{ key }} is null
{%- endmacro %}

{#- The grain of a stock snapshot row, a stock cell (one series of the stock models, whose
    consecutive syncs the anomaly models compare): marketplace, account, source, product, warehouse
    and stock type, qualified by `alias` if given. -#}
{% macro stock_cell_columns(alias=none) -%}
    {{ column_list(['marketplace', 'account', 'snapshot_source', 'product_key', 'warehouse_key', 'stock_type'], alias) }}
{%- endmacro %}

{#- `columns`, one a line and qualified by `alias` if given: a select list, or the group by of one. -#}
{% macro column_list(columns, alias=none) -%}
    {%- for column in columns %}
    {{ alias ~ "." if alias }}{{ column }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- Join condition: rows `left` and `right` are the same stock cell (see stock_cell_columns). -#}
{% macro same_stock_cell(left, right) -%}
    {%- for column in ['marketplace', 'account', 'snapshot_source', 'product_key', 'warehouse_key', 'stock_type'] %}
    {{ "and " if not loop.first }}{{ left }}.{{ column }} = {{ right }}.{{ column }}
    {%- endfor %}
{%- endmacro %}

{#- The denominator of the quality scores: how many rows each source table of the marketplace got
    per account and load, over `row_sets`: (source table, model, condition or none), one row of the
    model a row loaded or quarantined, `source table` an expression over the model's columns. -#}
{% macro source_row_counts(marketplace, row_sets) -%}
with counted as (
    {%- for source_table, model, condition in row_sets %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select
        {{ source_table }} as source_table,
        account,
        load_id
    from {{ ref(model) }}
    {%- if condition %}
    where {{ condition }}
    {%- endif %}
    {%- endfor %}
)

select
    '{{ marketplace }}' as marketplace,
    source_table,
    account,
    load_id,
    count(*) as row_count
from counted
group by source_table, account, load_id
{%- endmacro %}

{#- The columns of source_comparisons, in order; source_disagreements has them all but
    comparison_status (its rows are all compared). -#}
{% macro source_comparison_columns() -%}
    {{ return([
        'comparison_level', 'marketplace', 'comparison', 'account', 'product_key', 'load_id', 'snapshot_at',
        'comparison_status', 'expected_quantity', 'observed_quantity', 'difference', 'difference_share',
        'is_latest_load',
    ]) }}
{%- endmacro %}
