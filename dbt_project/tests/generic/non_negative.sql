{#- Counts and amounts that can never be below zero (seats, spend): the rows where one is. -#}
{% test non_negative(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < 0
{% endtest %}
