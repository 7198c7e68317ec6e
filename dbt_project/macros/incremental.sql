{#- Incremental models (strategy delete+insert, which dbt-duckdb and dbt-postgres both support).

    A model processes only what arrived after its watermark: the newest dlt load id it has seen
    (load ids are Unix times as text of fixed width, so text order is time order, and every load
    after a build has a larger id than every load before it). Each model remembers, in the table
    `<model>__incremental_state` beside it, that watermark and a fingerprint of what the rows up to it
    depend on besides their own raw rows: the error-level data quality issues of those loads, the
    stock resources the loaders reported incomplete (resource_outcomes), the warehouse seeds, the
    enabled marketplaces, the business time zone, the completed loads and the raw rows up to the
    watermark. When the fingerprint differs (a quality rule or the catalogue now
    judges an old row differently, a seed changed, a marketplace was enabled, a loader
    `--full-refresh` replaced the raw tables, ...) or the state is missing, the model empties itself
    in a pre-hook and rebuilds from everything: exact, and rare. `dbt build --full-refresh` always
    rebuilds; it is needed after a change to a model's SQL. New or dropped columns are synced
    (on_schema_change = sync_all_columns), so a database built before a model became incremental,
    which has no state yet, rebuilds it in place.

    In a model:
        {{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key=...,
                  on_schema_change='sync_all_columns',
                  pre_hook="{{ incremental_reset('stock') }}",
                  post_hook=["{{ incremental_record('stock') }}", "{{ incremental_index('load_id') }}"]) }}
        {%- set watermark = incremental_watermark('stock') %}   -- none: select everything
-#}

{#- A sum of hashes of a text expression: a cheap fingerprint of a set of rows. -#}
{% macro incremental_hash_sum(expression) -%}
    {{ return(adapter.dispatch('incremental_hash_sum')(expression)) }}
{%- endmacro %}

{% macro default__incremental_hash_sum(expression) -%}
    count(distinct {{ expression }})
{%- endmacro %}

{% macro duckdb__incremental_hash_sum(expression) -%}
    sum(hash({{ expression }}))
{%- endmacro %}

{% macro postgres__incremental_hash_sum(expression) -%}
    sum(hashtext({{ expression }}))
{%- endmacro %}

{#- An index on the column incremental runs filter on (`load_id > watermark`). PostgreSQL needs it
    to read only the new rows; DuckDB's zone maps already skip old row groups, so nothing there. -#}
{% macro incremental_index(column) -%}
    {{ return(adapter.dispatch('incremental_index')(column)) }}
{%- endmacro %}

{% macro default__incremental_index(column) -%}
{%- endmacro %}

{% macro postgres__incremental_index(column) -%}
    create index if not exists "{{ this.identifier }}__{{ column }}" on {{ this }} ({{ column }})
{%- endmacro %}

{% macro incremental_state_relation() -%}
    {{ return(api.Relation.create(database=this.database, schema=this.schema, identifier=this.identifier ~ '__incremental_state')) }}
{%- endmacro %}

{#- Rows (part, value) whose values, joined, are the fingerprint of `inputs` ('stock' or 'orders')
    up to load `watermark`; part 'raw_rows' counts raw rows (may only grow while raw is kept). -#}
{% macro incremental_fingerprint_sql(inputs, watermark) -%}
    {%- set tables = {
        'stock': {
            'ozon': {'issues': ['analytics_stocks', 'product_stocks'], 'outcomes': ['analytics_stocks', 'product_stocks'],
                     'raw': ['stg_ozon__analytics_stocks', 'stg_ozon__product_stocks'], 'raw_up_to_watermark': true},
            'wildberries': {'issues': ['warehouse_remains'], 'outcomes': ['warehouse_remains'],
                            'raw': ['stg_wildberries__warehouse_remains'], 'raw_up_to_watermark': true},
        },
        'orders': {
            'ozon': {'issues': ['postings_fbo', 'postings_fbs'], 'outcomes': [],
                     'raw': ['stg_ozon__posting_lines_fbo', 'stg_ozon__posting_lines_fbs'], 'raw_up_to_watermark': false},
            'wildberries': {'issues': ['orders'], 'outcomes': [],
                            'raw': ['stg_wildberries__orders', 'stg_wildberries__sales'], 'raw_up_to_watermark': false},
        },
    }[inputs] -%}
    {%- set up_to = "'" ~ watermark ~ "'" -%}
    select 'settings' as part, '{{ enabled_marketplaces() | join(",") }}|{{ var("business_timezone") }}' as value
    union all
    select 'seeds' as part, cast(count(*) as varchar) || ':' || coalesce(cast({{ incremental_hash_sum(
        "marketplace || '|' || warehouse_name || '|' || coalesce(cluster_name, '') || '|' || coalesce(cast(is_aggregate as varchar), '')"
    ) }} as varchar), '') as value
    from {{ ref('warehouses') }}
    union all
    select 'aliases' as part, cast(count(*) as varchar) || ':' || coalesce(cast({{ incremental_hash_sum(
        "marketplace || '|' || alias || '|' || warehouse_name"
    ) }} as varchar), '') as value
    from {{ ref('warehouse_aliases') }}
    {%- for marketplace, parts in tables.items() if marketplace_enabled(marketplace) %}
    union all
    select '{{ marketplace }}_issues' as part, cast(count(*) as varchar) || ':' || coalesce(cast({{ incremental_hash_sum(
        "source_table || '|' || account || '|' || natural_key || '|' || load_id"
    ) }} as varchar), '') as value
    from {{ ref('int_' ~ marketplace ~ '_quality_issues') }}
    where
        severity = 'error'
        and source_table in ('{{ parts.issues | join("', '") }}')
        and load_id <= {{ up_to }}
    union all
    select '{{ marketplace }}_loads' as part, cast(count(*) as varchar) as value
    from {{ ref('stg_' ~ marketplace ~ '__loads') }}
    where is_completed and load_id <= {{ up_to }}
    {%- if parts.outcomes %}
    union all
    select '{{ marketplace }}_incomplete' as part, cast(count(*) as varchar) as value
    from {{ ref('stg_' ~ marketplace ~ '__resource_outcomes') }}
    where
        status <> 'ok'
        and resource in ('{{ parts.outcomes | join("', '") }}')
        and data_load_id <= {{ up_to }}
    {%- endif %}
    {%- for model in parts.raw %}
    union all
    select
        '{{ "raw_rows" if not parts.raw_up_to_watermark else model }}' as part,
        cast(count(*) as varchar) as value
    from {{ ref(model) }}
    {%- if parts.raw_up_to_watermark %}
    where load_id <= {{ up_to }}
    {%- endif %}
    {%- endfor %}
    {%- endfor %}
{%- endmacro %}

{#- {'fingerprint': text, 'raw_rows': number} of `inputs` up to `watermark` (none outside execution). -#}
{% macro incremental_fingerprint(inputs, watermark) -%}
    {%- set sql = incremental_fingerprint_sql(inputs, watermark) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set parts = [] -%}
    {%- set raw = namespace(rows=0) -%}
    {%- for row in run_query(sql).rows -%}
        {%- if row[0] == 'raw_rows' -%}
            {%- set raw.rows = raw.rows + (row[1] | int) -%}
        {%- else -%}
            {%- do parts.append(row[0] ~ '=' ~ row[1]) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return({'fingerprint': parts | sort | join(';'), 'raw_rows': raw.rows}) }}
{%- endmacro %}

{#- The state the previous build of this model left: {'watermark', 'fingerprint', 'raw_rows'} or none. -#}
{% macro incremental_previous_state() -%}
    {%- set state = incremental_state_relation() -%}
    {%- if adapter.get_relation(state.database, state.schema, state.identifier) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set rows = run_query(
        "select watermark, fingerprint, raw_rows from " ~ state ~ " where model_name = '" ~ this.identifier ~ "'"
    ).rows -%}
    {%- if rows | length != 1 or rows[0][0] is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return({'watermark': rows[0][0], 'fingerprint': rows[0][1], 'raw_rows': rows[0][2] | int}) }}
{%- endmacro %}

{#- The load id after which this run must look (rows with load_id > it are new), or none when the
    model builds from everything: first build, --full-refresh, or inputs of old rows changed. -#}
{% macro incremental_watermark(inputs) -%}
    {%- do incremental_fingerprint_sql(inputs, '') -%}  {#- renders the refs at parse time -#}
    {%- if not (execute and is_incremental()) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set previous = incremental_previous_state() -%}
    {%- if previous is none -%}
        {{ log(this.identifier ~ ": no incremental state, full rebuild", info=true) }}
        {{ return(none) }}
    {%- endif -%}
    {%- set current = incremental_fingerprint(inputs, previous.watermark) -%}
    {%- if current.fingerprint != previous.fingerprint or current.raw_rows < previous.raw_rows -%}
        {{ log(this.identifier ~ ": inputs of rows up to load " ~ previous.watermark
               ~ " changed, full rebuild", info=true) }}
        {{ return(none) }}
    {%- endif -%}
    {{ return(previous.watermark) }}
{%- endmacro %}

{#- Pre-hook: empty the table when this run rebuilds from everything (incremental_watermark none). -#}
{% macro incremental_reset(inputs) -%}
    {%- if execute and is_incremental() and incremental_watermark(inputs) is none -%}
        delete from {{ this }}
    {%- endif -%}
{%- endmacro %}

{#- Post-hook: remember the watermark (the newest load id in `watermark_relation`, default this
    model) and the fingerprint of the inputs up to it. -#}
{% macro incremental_record(inputs, watermark_relation=none) -%}
    {%- do incremental_fingerprint_sql(inputs, '') -%}
    {%- if execute -%}
        {%- set source = watermark_relation if watermark_relation is not none else this -%}
        {%- set watermark = run_query("select max(load_id) from " ~ source).rows[0][0] -%}
        {%- set current = incremental_fingerprint(inputs, watermark or '') -%}
        {%- set state = incremental_state_relation() -%}
        {%- do run_query(
                "create table if not exists " ~ state ~ " (model_name varchar(200), watermark varchar(40),"
                ~ " fingerprint varchar(4000), raw_rows bigint, recorded_at timestamp)"
            ) -%}
        {%- do run_query("delete from " ~ state ~ " where model_name = '" ~ this.identifier ~ "'") %}
        insert into {{ state }} (model_name, watermark, fingerprint, raw_rows, recorded_at)
        values (
            '{{ this.identifier }}',
            {{ "'" ~ watermark ~ "'" if watermark else 'null' }},
            '{{ current.fingerprint }}',
            {{ current.raw_rows }},
            current_timestamp
        )
    {%- endif -%}
{%- endmacro %}

{#- fact_orders: the order lines whose raw rows a load after `watermark` wrote (the posting, or
    for Wildberries the order or one of its sales), as order_line_key values. The key expressions
    are the ones int_<marketplace>_order_lines build. -#}
{% macro order_line_keys_sql(watermark=none) -%}
    {%- set parts = [] -%}
    {%- set since = " where load_id > '" ~ watermark ~ "'" if watermark is not none else "" -%}
    {%- if marketplace_enabled('ozon') -%}
        {%- for model in ['stg_ozon__posting_lines_fbo', 'stg_ozon__posting_lines_fbs'] -%}
            {%- do parts.append(
                "select 'ozon:' || account || ':' || posting_number || ':' || cast(line_number as varchar)"
                ~ " as order_line_key from " ~ ref(model) ~ since
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if marketplace_enabled('wildberries') -%}
        {%- for model in ['stg_wildberries__orders', 'stg_wildberries__sales'] -%}
            {%- do parts.append(
                "select 'wildberries:' || account || ':' || srid as order_line_key from " ~ ref(model) ~ since
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(parts | join(' union all ')) }}
{%- endmacro %}

{#- Pre-hook of fact_orders: on a full rebuild empty it; otherwise delete the lines that changed
    since the watermark (the batch inserts those that still pass the data quality checks: a line
    a new load made fail is gone) and the lines whose raw rows are gone (a loader --full-refresh). -#}
{% macro fact_orders_reset() -%}
    {%- do order_line_keys_sql() -%}
    {%- if execute and is_incremental() -%}
        {%- set watermark = incremental_watermark('orders') -%}
        {%- if watermark is none %}
        delete from {{ this }}
        {%- else %}
        delete from {{ this }} as fact_lines
        where
            fact_lines.order_line_key in ({{ order_line_keys_sql(watermark) }})
            or not exists (
                select 1
                from ({{ order_line_keys_sql() }}) as raw_lines
                where raw_lines.order_line_key = fact_lines.order_line_key
            )
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The rows of `relation` from the newest load of each marketplace × account × snapshot source
    (of the loads up to `up_to`, when given): where an incremental run of a stock model finds each
    series as it stood before the loads it adds. -#}
{% macro newest_snapshot_rows(relation, up_to=none) -%}
    select newest.*
    from {{ relation }} as newest
    inner join ({{ newest_loads(relation, up_to) }}) as newest_loads
        on {{ same_source_load('newest', 'newest_loads') }}
{%- endmacro %}

{#- The newest load of each marketplace × account × snapshot source in `relation` (of the loads up
    to `up_to`, when given). dlt load ids are Unix times as text of fixed integer width: text order
    is time order. -#}
{% macro newest_loads(relation, up_to=none) -%}
    select
        marketplace,
        account,
        snapshot_source,
        max(load_id) as load_id
    from {{ relation }}
    {%- if up_to is not none %}
    where load_id <= '{{ up_to }}'
    {%- endif %}
    group by marketplace, account, snapshot_source
{%- endmacro %}

{#- Join condition: rows `left` and `right` are of the same load of one marketplace × account ×
    snapshot source. -#}
{% macro same_source_load(left, right) -%}
    {%- for column in ['marketplace', 'account', 'snapshot_source', 'load_id'] %}
    {{ "and " if not loop.first }}{{ left }}.{{ column }} = {{ right }}.{{ column }}
    {%- endfor %}
{%- endmacro %}

{#- on-run-end: forget the incremental state of every incremental model a failed or erroring test
    reads, so the next build rebuilds it from everything. Without this, rows an incremental build
    got wrong stay (later builds only add), and the test fails on every run after. Renders the
    statements the hook runs (dbt runs hooks outside a transaction; hook_commit ends the one
    PostgreSQL's driver opens by itself). -#}
{% macro incremental_forget_after_failed_tests(results) -%}
    {%- if execute -%}
        {%- set forgotten = [] -%}
        {%- set statements = [] -%}
        {%- for result in results
            if result.node.resource_type == 'test' and result.status in ('fail', 'error') -%}
            {%- for model_id in result.node.depends_on.nodes
                if model_id in graph.nodes and graph.nodes[model_id].config.materialized == 'incremental'
                and model_id not in forgotten -%}
                {%- set model = graph.nodes[model_id] -%}
                {%- set identifier = model.alias ~ '__incremental_state' -%}
                {%- if adapter.get_relation(model.database, model.schema, identifier) is not none -%}
                    {%- set state = api.Relation.create(database=model.database, schema=model.schema, identifier=identifier) -%}
                    {%- do statements.append("delete from " ~ state ~ " where model_name = '" ~ model.alias ~ "'") -%}
                    {%- do forgotten.append(model_id) -%}
                    {{ log(model.alias ~ ": a test on it failed, the next build rebuilds it from everything", info=true) }}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- if statements -%}
            {{ statements | join(';\n') }};
            {{ hook_commit() }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro hook_commit() -%}
    {{ return(adapter.dispatch('hook_commit')()) }}
{%- endmacro %}

{% macro default__hook_commit() -%}
{%- endmacro %}

{% macro postgres__hook_commit() -%}
    commit;
{%- endmacro %}
