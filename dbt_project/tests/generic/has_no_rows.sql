{#- Fails when the model has rows: for models that list problems (unknown names, quarantine). -#}
{% test has_no_rows(model) %}
    select * from {{ model }}
{% endtest %}
