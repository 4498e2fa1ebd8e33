-- Seats purchased per AI tool as the vendor reports them now: GitHub Copilot's seat_breakdown.total (seats
-- billed this cycle) and, for Microsoft 365 Copilot, prepaidUnits.enabled summed over the tenant's Copilot
-- SKUs (var m365_copilot_sku_part_numbers). Tools whose vendor reports no purchase have no row: the seat
-- mart falls back to the tool_seat_prices seed for them.
{%- set copilot_skus = var('m365_copilot_sku_part_numbers') %}
with

github_copilot as (

    select
        'github_copilot' as tool,
        sum(seats_total) as seats_purchased,
        max(_extracted_at) as reported_at
    from {{ ref('stg_github_copilot__billing') }}
    having count(*) > 0

),

m365_copilot as (

    select
        'm365_copilot' as tool,
        sum(prepaid_enabled) as seats_purchased,
        max(_extracted_at) as reported_at
    from {{ ref('stg_msgraph__subscribed_skus') }}
    where lower(sku_part_number) in (
        {%- for sku in copilot_skus %}'{{ sku | lower }}'{{ ', ' if not loop.last }}{% endfor -%}
    )
    having count(*) > 0

)

select tool, cast(seats_purchased as {{ dbt.type_bigint() }}) as seats_purchased, reported_at
from github_copilot
union all
select tool, cast(seats_purchased as {{ dbt.type_bigint() }}) as seats_purchased, reported_at
from m365_copilot
