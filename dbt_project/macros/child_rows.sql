{#- The rows of a dlt child table (a list inside an API object) next to chosen columns of their
    parent row. `parent_columns` and `child_columns` map raw column → [business name, type]. A child
    table only exists once some object had a non-empty list (and its parent once any object came):
    until then the model has no rows, of the declared types, rather than failing. -#}
{% macro child_rows(source_name, parent_table, child_table, parent_columns, child_columns) -%}
    {%- set child = source(source_name, child_table) -%}
    {%- set exists = not execute or adapter.get_relation(child.database, child.schema, child.identifier) is not none -%}
    {%- if not exists %}
select
    {%- for columns in (parent_columns, child_columns) %}
    {%- for raw_name, spec in columns.items() %}
    cast(null as {{ spec[1] }}) as {{ spec[0] }},
    {%- endfor %}
    {%- endfor %}
    cast(null as bigint) as list_position,
    cast(null as varchar) as load_id
where 1 = 0
    {%- else %}
select
    {%- for raw_name, spec in parent_columns.items() %}
    parent.{{ raw_name }} as {{ spec[0] }},
    {%- endfor %}
    {%- for raw_name, spec in child_columns.items() %}
    child.{{ raw_name }} as {{ spec[0] }},
    {%- endfor %}
    child._dlt_list_idx as list_position,
    parent._dlt_load_id as load_id
from {{ child }} as child
inner join {{ source(source_name, parent_table) }} as parent
    on child._dlt_parent_id = parent._dlt_id
    {%- endif %}
{%- endmacro %}
