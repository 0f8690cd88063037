"""API v1 views outside the routers. The resources live in one module per family: `records`, `catalogue`,
`imports`, `effects` and `kpis`, built on `base`.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from .problems import PROBLEM_CONTENT_TYPE


@csrf_exempt  # nothing here reads or changes anything; a POST with a session cookie gets the 404 too, not a 403 page
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """404 as problem+json for any path under /api/ that no route matches (including trailing slashes), whatever the
    method."""
    body = {
        "type": "about:blank",
        "title": _("Not found."),
        "status": 404,
        "detail": _("There is no resource at this address. Paths have no trailing slash; see /api/v1/openapi.json."),
        "instance": request.get_full_path(),
    }
    return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE)
