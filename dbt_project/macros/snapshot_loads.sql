{#- The newest load of each marketplace × account × snapshot source in `relation`. dlt load ids are
    Unix times as text of fixed integer width: text order is time order. -#}
{% macro newest_loads(relation) -%}
    select
        marketplace,
        account,
        snapshot_source,
        max(load_id) as load_id
    from {{ relation }}
    group by marketplace, account, snapshot_source
{%- endmacro %}

{#- Join condition: rows `left` and `right` are of the same load of one marketplace × account ×
    snapshot source. -#}
{% macro same_source_load(left, right) -%}
    {%- for column in ['marketplace', 'account', 'snapshot_source', 'load_id'] %}
    {{ "and " if not loop.first }}{{ left }}.{{ column }} = {{ right }}.{{ column }}
    {%- endfor %}
{%- endmacro %}
