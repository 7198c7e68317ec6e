{#- Every variant column in the raw schemas of the enabled marketplaces, read from the database's
    information_schema at execute time (dlt adds them when the values come, so no YAML knows them):
    a list of {marketplace, schema, table, column, variant, received_type}. dlt names a variant
    `<column>__v_<type>` (one of its data types) and puts there the values of a raw column that came
    in a type the column cannot take (text in a bigint column), the column being null in those rows.
    A `__v_` column counts only beside a column of its base name, so a field that is merely named
    like one is not taken. -#}
{% macro raw_type_variant_columns() -%}
    {%- set found, schemas = [], {} -%}
    {%- for node in (graph.sources.values() if execute else []) if node.source_name in enabled_marketplaces() -%}
        {%- do schemas.update({node.schema | lower: node.source_name}) -%}
    {%- endfor -%}
    {%- if schemas -%}
        {%- set listed -%}
            select table_schema, table_name, column_name
            from information_schema.columns
            where
                table_catalog = '{{ target.database }}'
                and lower(table_schema) in ('{{ schemas.keys() | join("', '") }}')
        {%- endset -%}
        {%- set tables = {} -%}
        {%- for row in run_query(listed) -%}
            {%- set key = (row[0] | lower, row[1] | lower) -%}
            {%- do tables.update({key: tables.get(key, []) + [row[2] | lower]}) -%}
        {%- endfor -%}
        {%- for (schema, table), columns in tables | dictsort -%}
            {%- for column in columns | sort -%}
                {%- set variant = dlt_variant(column) -%}
                {%- if variant and variant.column in columns -%}
                    {%- do found.append({
                        'marketplace': schemas[schema], 'schema': schema, 'table': table,
                        'column': variant.column, 'variant': column, 'received_type': variant.received_type
                    }) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}

{#- {column, received_type} when `name` is named as dlt names a variant column (`<column>__v_<type>`,
    one of dlt's data types), else none. -#}
{% macro dlt_variant(name) -%}
    {%- set dlt_types = ['text', 'double', 'bool', 'timestamp', 'bigint', 'binary', 'json', 'decimal', 'wei', 'date', 'time'] -%}
    {%- set match = modules.re.match('^(.+)__v_(' ~ (dlt_types | join('|')) ~ ')$', name) -%}
    {{ return({'column': match.group(1), 'received_type': match.group(2)} if match else none) }}
{%- endmacro %}
