-- When each person first held a seat or licence for each AI tool: the seats of int_tool_seats that resolve
-- to a person (seats of accounts that resolve to nobody never join a person).
select
    person_key,
    tool,
    min(licensed_at) as licensed_at
from {{ ref('int_tool_seats') }}
where person_key is not null
group by person_key, tool
