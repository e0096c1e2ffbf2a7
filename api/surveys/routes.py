"""`/surveys/<token>`: GET shows the form, POST answers it. No sign-in: the signed token names the
tenant and the survey. Refusals are pages with a status that says what happened: 404 for a link
that is not genuine (or whose survey is gone), 410 for an expired one, 409 for one already
answered, 400 for an answer out of range, 429 when one address sends too many."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from api.ratelimit import hit
from api.surveys.page import form_page, message_page
from domain.errors import InvalidInput
from domain.i18n.catalog import EN
from domain.i18n.negotiation import negotiate
from domain.surveys.service import Outcome, Survey, answer_survey, open_survey, tenant_of_link
from domain.tenant_settings import current_settings
from tenants.context import tenant_transaction
from tenants.registry import find_by_id

ANSWERS_PER_MINUTE = 60  # per client address: guessing at links gets slow
MAX_BODY_BYTES = 16_384
_REFUSALS = {
    Outcome.NOT_FOUND: (404, "not_found"),
    Outcome.EXPIRED: (410, "expired"),
    Outcome.ALREADY_ANSWERED: (409, "answered"),
}
_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _refusal(survey: Survey, locale: str) -> HTMLResponse:
    status, key = _REFUSALS[survey.outcome]
    return HTMLResponse(message_page(key, locale), status_code=status, headers=_NO_STORE)


async def _locale(request: Request) -> str:
    """The customer's language (Accept-Language), else the tenant's (inside its transaction)."""
    return negotiate(request.headers.get("accept-language")) or (await current_settings()).locale


async def _tenant(token: str):
    tenant_id = tenant_of_link(token)
    if tenant_id is None:
        return None
    tenant = await find_by_id(tenant_id)
    return tenant_id if tenant is not None and tenant.is_active else None


async def survey_page(request: Request) -> HTMLResponse:
    token = request.path_params["token"]
    asked = negotiate(request.headers.get("accept-language")) or EN
    client = request.client.host if request.client else "unknown"
    retry = await hit(
        request.app.state.redis, f"survey:{client}", limit=ANSWERS_PER_MINUTE, window_seconds=60
    )
    if retry is not None:
        return HTMLResponse(
            message_page("busy", asked),
            status_code=429,
            headers={"Retry-After": str(int(retry)), **_NO_STORE},
        )
    tenant_id = await _tenant(token)
    if tenant_id is None:
        return _refusal(Survey(Outcome.NOT_FOUND), asked)
    if request.method == "GET":
        async with tenant_transaction(tenant_id):
            survey, locale = await open_survey(token), await _locale(request)
        if survey.outcome is not Outcome.OPEN:
            return _refusal(survey, locale)
        return HTMLResponse(form_page(survey.subject, locale), headers=_NO_STORE)
    if len(await request.body()) > MAX_BODY_BYTES:
        return HTMLResponse(message_page("too_long", asked), status_code=413, headers=_NO_STORE)
    form = await request.form()
    raw_score, comment = form.get("score"), form.get("comment")
    score = (
        int(raw_score) if isinstance(raw_score, str) and raw_score.strip().isdigit() else raw_score
    )
    comment = comment if isinstance(comment, str) else None
    try:
        async with tenant_transaction(tenant_id):
            locale = await _locale(request)
            survey = await answer_survey(token, score, comment)
    except InvalidInput as exc:
        async with tenant_transaction(tenant_id):
            subject = (await open_survey(token)).subject
        return HTMLResponse(
            form_page(subject, locale, [e.code for e in exc.field_errors], comment=comment or ""),
            status_code=400,
            headers=_NO_STORE,
        )
    if survey.outcome is not Outcome.ANSWERED:
        return _refusal(survey, locale)
    return HTMLResponse(message_page("thanks", locale), headers=_NO_STORE)
