-- A tool with activity but no row in adoption_segment_thresholds would have no segments: name it.
select distinct activity.tool
from {{ ref('fct_ai_activity_daily') }} as activity
left join {{ ref('adoption_segment_thresholds') }} as thresholds on activity.tool = thresholds.tool
where thresholds.tool is null
