"""Supervision, results, ratings and dashboards: thin views over reviews.selectors and reviews.services.

Every object is loaded through the viewer's scope: outside it → 404; inside but not allowed → 403.
"""

from reviews.views.dashboards import dashboard, index, item_list, ledger_list, problem_list  # noqa: F401
from reviews.views.ratings import (  # noqa: F401
    delegation_grant,
    delegation_revoke,
    objection_create,
    objection_resolve,
    policy_edit,
    rating_detail,
    rating_edit,
    rating_finalise,
    rating_list,
    rating_publish,
    results,
)
from reviews.views.record import record  # noqa: F401
from reviews.views.supervision import (  # noqa: F401
    finding_open_problem,
    item_reopen,
    supervision_create,
    supervision_detail,
    supervision_list,
)
from reviews.views.surveys import (  # noqa: F401
    survey_create,
    survey_detail,
    survey_finalize,
    survey_improvement,
    survey_list,
    survey_tier_export,
    survey_tier_list,
)
