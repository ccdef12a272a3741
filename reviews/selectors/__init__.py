"""Scoped reads of the reviews app, one module per kind of page: focus, sets, results, ratings, supervision,
dashboards. Import from the module (`from reviews.selectors.results import policy_of`)."""
