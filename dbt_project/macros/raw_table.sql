{#- The raw table `source_name`.`table_name` as its declared contract: a `select` of every column
    declared for it in the sources YAML (models/staging/<marketplace>/_<marketplace>__sources.yml),
    and only those. Real accounts differ from the documentation (an endpoint removed, a token
    refused for one endpoint, an optional field never sent), and dlt creates no table for a resource
    that yielded no rows, no child table for a list that was always empty and no column for a field
    that was never non-null. So:
      * a declared column the table lacks comes out as `cast(null as <declared data_type>)`;
      * a table that does not exist comes out as typed nulls `where 1 = 0` (no rows);
    and either is logged as a warning naming the table and columns, once per model that reads them.
    A declared text column (data_type varchar, text or string) that the table holds as text reads an
    empty string as null (`nullif(column, '')`), on both databases: dlt loads PostgreSQL by csv COPY
    with FORCE_NULL, so "" arrives there as null, while DuckDB (parquet) keeps ''; read this way a
    field sent as "" (a WB card size's techSize, an Ozon product's name) means the same on both, and
    the models need not tell '' from null (both are "not sent").
    A table's `meta: {zero_when_omitted: [columns]}` names numbers an API leaves out when they hold 0
    (Ozon's protobuf JSON omits default values; so may a WB answer): such a column reads 0 where the
    row did not send it, unless dlt kept a value of another type for it in a variant column
    (`<column>__v_<type>`), which stays null and so an error to the quality checks.
    Staging models (and the monitoring models, over the run log in schema ops) read raw tables only
    through this macro, in an import CTE at the top:
        with source as ({{ raw_table('ozon', 'products') }})
    It calls source(), so lineage (`--select source:ozon.products+`) is as with a plain source().
    A unit test gives a raw table as `format: sql` rows of every declared column, read as given, ''
    too (a dict fixture would need the raw table in the database for its columns' types, and a
    build on a database without it would fail).
    Works on DuckDB and PostgreSQL: names compare case-insensitively and are quoted ("date", "rows").
    At parse time (no database, no graph yet) it renders a harmless `select *`. -#}
{% macro raw_table(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {#- a unit test's fixture (a CTE, rows given as SQL) -#}
    {%- if not execute or relation.is_cte -%}
        select * from {{ relation }}
    {%- else -%}
        {%- set declared = raw_table_columns(source_name, table_name) -%}
        {%- set zeroed = raw_table_meta(source_name, table_name).get('zero_when_omitted', []) -%}
        {#- lower-case name → name as the database spells it -#}
        {%- set present, texts = {}, [] -%}
        {%- for column_name, data_type in raw_table_database_columns(relation) -%}
            {%- do present.update({column_name | lower: column_name}) -%}
            {%- if is_text_type(data_type) %}{% do texts.append(column_name) %}{% endif -%}
        {%- endfor -%}
        {%- set existing = present | length > 0 -%}
        {%- set missing, missing_zeroed = [], [] -%}
        {%- for column in declared if column.name | lower not in present -%}
            {%- do (missing_zeroed if column.name in zeroed else missing).append(column.name) -%}
        {%- endfor -%}
        {%- set name = relation.schema ~ '.' ~ relation.identifier -%}
        {%- if not existing -%}
            {%- do exceptions.warn(
                model.name ~ ": raw table " ~ name ~ " does not exist (nothing was ever loaded into it): read as"
                ~ " no rows; the models and marts built from it stay empty until it is loaded"
            ) -%}
        {%- else -%}
            {%- for columns, reading in [
                (missing, "read as null; it stays null in the models and marts built from it"),
                (missing_zeroed, "read as 0, the value an answer leaves out (zero_when_omitted)"),
            ] if columns -%}
                {%- do exceptions.warn(
                    model.name ~ ": raw table " ~ name ~ " has no column " ~ (columns | join(", "))
                    ~ " (never sent with a value): " ~ reading
                ) -%}
            {%- endfor -%}
        {%- endif %}
    select
        {%- for column in declared %}
        {%- set actual = present.get(column.name | lower) %}
        {%- if actual is not none and column.name in zeroed %}
        {%- set variants = [] %}
        {%- for lowered, name in present.items() if (dlt_variant(lowered) or {}).get('column') == column.name | lower %}
        {%- do variants.append(adapter.quote(name) ~ ' is null') %}
        {%- endfor %}
        coalesce({{ adapter.quote(actual) }}, {{ 'case when ' ~ (variants | join(' and ')) ~ ' then 0 end' if variants else '0' }})
            as {{ adapter.quote(column.name) }}
        {%- elif actual is not none and actual in texts and is_text_type(column.data_type) %}
        nullif({{ adapter.quote(actual) }}, '') as {{ adapter.quote(column.name) }}
        {%- elif actual is not none %}
        {{ adapter.quote(actual) }}{{ " as " ~ adapter.quote(column.name) if actual != column.name }}
        {%- elif column.name in zeroed %}
        cast(0 as {{ column.data_type }}) as {{ adapter.quote(column.name) }}
        {%- else %}
        cast(null as {{ column.data_type }}) as {{ adapter.quote(column.name) }}
        {%- endif %}{{ "," if not loop.last }}
        {%- endfor %}
    {%- if existing %}
    from {{ relation }}
    {%- else %}
    where 1 = 0
    {%- endif %}
    {%- endif -%}
{%- endmacro %}

{#- The columns `relation` has in the database, as (name, data_type) in their order; none when it
    does not exist. Asked of the catalog, not of dbt's relation cache (adapter.get_relation): dbt
    lists a schema no model lives in, as the raw schemas, when a model first asks for it and adds
    what it found one relation at a time, and a model built meanwhile by another thread finds the
    schema listed but only part of it, so a raw table that exists read as no rows (seen:
    raw_wildberries._dlt_loads, and with it every WB snapshot). -#}
{% macro raw_table_database_columns(relation) -%}
    {%- set listed = run_query(
        "select column_name, data_type from information_schema.columns"
        ~ " where lower(table_schema) = lower('" ~ relation.schema ~ "')"
        ~ " and lower(table_name) = lower('" ~ relation.identifier ~ "')"
        ~ (" and lower(table_catalog) = lower('" ~ relation.database ~ "')" if relation.database else "")
        ~ " order by ordinal_position"
    ) -%}
    {{ return(listed.rows | map('list') | list) }}
{%- endmacro %}

{#- Whether `data_type`, as the sources YAML declares it or the catalog names it (DuckDB VARCHAR,
    PostgreSQL text or character varying, any length), is a text type. -#}
{% macro is_text_type(data_type) -%}
    {%- set base_type = ((data_type or '') | lower).split('(')[0] | trim -%}
    {{ return(base_type in ['varchar', 'character varying', 'text', 'string']) }}
{%- endmacro %}

{#- The columns declared for a source table (name, data_type), in their YAML order; only at execute
    time (`graph` is complete then). A table without declared columns, or a column without a
    data_type, is an error: the contract is what makes a missing table or column harmless. -#}
{% macro raw_table_columns(source_name, table_name) -%}
    {%- set columns = raw_table_node(source_name, table_name)['columns'].values() | list -%}
    {%- if not columns -%}
        {{ exceptions.raise_compiler_error(
            "raw_table: declare the columns of source " ~ source_name ~ "." ~ table_name ~ " (name and data_type) in its sources YAML"
        ) }}
    {%- endif -%}
    {%- for column in columns if not column.data_type -%}
        {{ exceptions.raise_compiler_error("raw_table: column " ~ column.name ~ " of source " ~ source_name ~ "." ~ table_name ~ " has no data_type") }}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{#- The `meta` of a declared source table (config.meta wins over a top-level meta). -#}
{% macro raw_table_meta(source_name, table_name) -%}
    {%- set node = raw_table_node(source_name, table_name) -%}
    {{ return(node.get('config', {}).get('meta') or node.get('meta') or {}) }}
{%- endmacro %}

{#- The graph node of a declared, enabled source table; an error naming it otherwise. -#}
{% macro raw_table_node(source_name, table_name) -%}
    {%- set node = graph.sources.get('source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name) -%}
    {%- if node is none -%}
        {{ exceptions.raise_compiler_error("raw_table: no source " ~ source_name ~ "." ~ table_name ~ " (is it declared and enabled?)") }}
    {%- endif -%}
    {{ return(node) }}
{%- endmacro %}

{#- The rows of a dlt child table (a list inside an API object) with the keys of the object they
    belong to: every declared column of `table_name`, the columns of `parent_table` named in
    `parent_columns` ('account', or 'id as product_id' to rename one), and the parent's
    `_dlt_load_id` as load_id (child tables have none of their own). `via` is the child's column
    that holds the parent's `_dlt_id`: `_dlt_parent_id`, or `_dlt_root_id` for a list nested in a
    list. Both tables are read through raw_table, so a child table dlt never created (the list was
    always empty) is no rows. -#}
{% macro raw_child_table(source_name, table_name, parent_table, parent_columns, via='_dlt_parent_id') -%}
    select
        {%- for entry in parent_columns %}
        {%- set column, name = (entry ~ ' as ' ~ entry).split(' as ')[:2] %}
        parent_row.{{ adapter.quote(column) }} as {{ adapter.quote(name) }},
        {%- endfor %}
        parent_row._dlt_load_id as load_id,
        list_item.*
    from ({{ raw_table(source_name, table_name) }}) as list_item
    inner join ({{ raw_table(source_name, parent_table) }}) as parent_row
        on list_item.{{ via }} = parent_row._dlt_id
{%- endmacro %}

{#- A whole staging model of a dlt list: one row per list item with the keys of the object it belongs
    to (`parent_columns`, as in raw_child_table), the item's `columns` ('value as barcode'), its place in
    the list as list_position and the parent's load_id. -#}
{% macro list_items_model(source_name, table_name, parent_table, parent_columns, columns) -%}
with list_items as (
    {{ raw_child_table(source_name, table_name, parent_table, parent_columns) }}
)

select
    {%- for entry in parent_columns %}
    {{ (entry ~ ' as ' ~ entry).split(' as ')[1] }},
    {%- endfor %}
    {%- for column in columns %}
    {{ column }},
    {%- endfor %}
    _dlt_list_idx as list_position,
    load_id
from list_items
{%- endmacro %}
