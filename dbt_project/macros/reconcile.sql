{#- The final select of a reconciliation test: the rows of `raw` and `mart` (two CTEs with the same
    `keys` and `measures` columns) whose measures differ, with a row missing on either side counting
    as a difference. Columns: the keys (account as seller_account), then raw_<measure> and
    mart_<measure> for each measure. -#}
{% macro rows_that_differ(raw, mart, keys, measures) -%}
select
    {%- for key in keys %}
    coalesce({{ raw }}.{{ key }}, {{ mart }}.{{ key }}) as {{ 'seller_account' if key == 'account' else key }},
    {%- endfor %}
    {%- for measure in measures %}
    {{ raw }}.{{ measure }} as raw_{{ measure }},
    {{ mart }}.{{ measure }} as mart_{{ measure }}{{ "," if not loop.last }}
    {%- endfor %}
from {{ raw }}
full outer join {{ mart }}
    on
    {%- for key in keys %}
        {{ "and " if not loop.first }}{{ raw }}.{{ key }} = {{ mart }}.{{ key }}
    {%- endfor %}
where
    {%- for measure in measures %}
    {{ "or " if not loop.first }}{{ raw }}.{{ measure }} is distinct from {{ mart }}.{{ measure }}
    {%- endfor %}
{%- endmacro %}
