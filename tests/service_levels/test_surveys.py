"""Satisfaction surveys (回访) through HTTP: resolving a ticket sends one; its public page works
without signing in, takes one answer (1-5 and a comment) that lands on the ticket and in an event,
and refuses reuse, expiry and forged links with a clear status and text; other tenants see none."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from strawberry import relay

from domain.service_levels.clock import fixed_time
from tests.service_levels.support import T0, at, move, open_ticket
from tests.support.automation import deliver, make_rule, runs_of
from tests.support.graphql import gql
from tests.support.records import unique

SURVEY = (
    "query($id: ID!) { node(id: $id) { ... on Ticket { version satisfactionScore satisfactionComment satisfactionAt "
    "survey { id link expiresAt answeredAt score comment } } } }"
)
SEND = "mutation($id: ID!) { sendSatisfactionSurvey(input: {ticketId: $id}) { id link expiresAt } }"
DAY = timedelta(days=1)


async def _resolved(client, token: str) -> dict:
    ticket = await open_ticket(client, token, T0, category=unique("survey"))
    ticket = await move(client, token, ticket, "ACCEPTED", T0 + timedelta(minutes=5))
    return await move(client, token, ticket, "RESOLVED", T0 + timedelta(hours=1))


async def _survey(client, token: str, ticket_id: str, when=T0 + DAY) -> dict:
    return (await at(when, client, SURVEY, {"id": ticket_id}, token)).data["node"]


async def _get(client, link: str, when=T0 + DAY, language: str = "en"):
    with fixed_time(when):
        return await client.get(link, headers={"Accept-Language": language})


async def _post(client, link: str, form: dict, when=T0 + DAY, language: str = "en"):
    with fixed_time(when):
        return await client.post(link, data=form, headers={"Accept-Language": language})


async def test_resolving_sends_a_survey_answered_once_without_signing_in(
    client, as_alpha, owner_db
):
    ticket = await _resolved(client, as_alpha["agent"])
    survey = (await _survey(client, as_alpha["agent"], ticket["id"]))["survey"]
    assert survey["link"].startswith("/surveys/") and survey["answeredAt"] is None
    assert survey["expiresAt"] == (T0 + timedelta(hours=1) + 14 * DAY).isoformat()

    page = await _get(client, survey["link"])
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert 'name="viewport"' in page.text and page.text.count('type="radio" name="score"') == 5
    assert ticket["id"] not in page.text  # the page shows the subject, not ids

    answered = await _post(client, survey["link"], {"score": "4", "comment": "Fixed fast, 谢谢"})
    assert answered.status_code == 200 and "Thank you" in answered.text
    shown = await _survey(client, as_alpha["agent"], ticket["id"])
    assert (shown["satisfactionScore"], shown["satisfactionComment"]) == (4, "Fixed fast, 谢谢")
    assert shown["satisfactionAt"] == (T0 + DAY).isoformat() and shown["survey"]["score"] == 4
    assert shown["version"] == ticket["version"] + 1  # one update of the ticket

    again = await _post(client, survey["link"], {"score": "1", "comment": "changed my mind"})
    assert again.status_code == 409 and "already been answered" in again.text
    assert (await _get(client, survey["link"])).status_code == 409
    assert (await _survey(client, as_alpha["agent"], ticket["id"]))["satisfactionScore"] == 4
    events = await owner_db.fetch(
        "SELECT event_type, changes FROM outbox_event WHERE record_id = $1 "
        "AND event_type = 'Ticket.survey_answered'",
        uuid.UUID(relay.GlobalID.from_id(ticket["id"]).node_id),
    )
    assert len(events) == 1 and json.loads(events[0]["changes"])["satisfaction_score"] == [None, 4]


async def test_the_page_speaks_the_customers_language(client, as_alpha):
    ticket = await _resolved(client, as_alpha["agent"])
    link = (await _survey(client, as_alpha["agent"], ticket["id"]))["survey"]["link"]
    page = await _get(client, link, language="zh-CN,zh;q=0.9,en;q=0.5")
    assert (
        page.status_code == 200
        and '<html lang="zh-CN">' in page.text
        and "您对本次服务满意吗" in page.text
    )
    wrong = await _post(client, link, {"score": "9"}, language="zh-CN")
    assert wrong.status_code == 400 and "请选择 1 到 5 的评分" in wrong.text
    done = await _post(client, link, {"score": "5", "comment": "师傅很专业"}, language="zh-CN")
    assert done.status_code == 200 and "谢谢" in done.text
    again = await _get(client, link, language="zh")
    assert again.status_code == 409 and "已经回答过了" in again.text
    assert (await _get(client, "/surveys/forged", language="zh-CN")).text.count(
        "此调查链接无效"
    ) == 1


async def test_expired_forged_and_out_of_range_answers_are_refused_clearly(client, as_alpha):
    ticket = await _resolved(client, as_alpha["agent"])
    link = (await _survey(client, as_alpha["agent"], ticket["id"]))["survey"]["link"]
    late = T0 + 20 * DAY
    expired = await _post(client, link, {"score": "5"}, when=late)
    assert expired.status_code == 410 and "expired" in expired.text
    assert (await _get(client, link, when=late)).status_code == 410

    token = link.rsplit("/", 1)[1]
    header, payload, signature = token.split(".")
    forged = [
        f"{header}.{payload}.{signature[:-2]}{'AA' if not signature.endswith('AA') else 'BB'}",
        "not-a-token",
        f"{header}.{payload[:-4]}abcd.{signature}",
    ]
    for bad in forged:
        response = await _post(client, f"/surveys/{bad}", {"score": "5"})
        assert response.status_code == 404 and "not valid" in response.text, bad

    for score in ("0", "6", "", "five"):
        response = await _post(client, link, {"score": score, "comment": "kept"})
        assert (
            response.status_code == 400
            and "score from 1 to 5" in response.text
            and "kept" in response.text
        )
    too_long = await _post(client, link, {"score": "3", "comment": "x" * 2001})
    assert too_long.status_code == 400
    assert (await _survey(client, as_alpha["agent"], ticket["id"]))["satisfactionScore"] is None


async def test_a_survey_is_sent_by_hand_or_by_an_automation_only_for_resolved_tickets(
    client, as_alpha
):
    open_one = await open_ticket(client, as_alpha["agent"], T0, category=unique("survey"))
    refused = await gql(client, SEND, {"id": open_one["id"]}, token=as_alpha["agent"])
    assert refused.codes == ["BAD_USER_INPUT"]
    viewer = await gql(client, SEND, {"id": open_one["id"]}, token=as_alpha["viewer"])
    assert viewer.codes == ["FORBIDDEN"], viewer.body

    resolved = await _resolved(client, as_alpha["agent"])
    first = (await _survey(client, as_alpha["agent"], resolved["id"]))["survey"]
    sent = (await gql(client, SEND, {"id": resolved["id"]}, token=as_alpha["agent"])).data[
        "sendSatisfactionSurvey"
    ]
    assert sent["id"] != first["id"] and sent["link"] != first["link"]

    category = unique("followup")
    rule = await make_rule(
        client,
        as_alpha["admin"],
        name=unique("Survey on follow-up"),
        object="Ticket",
        trigger={"on": "status_changed", "to": {"status": "FOLLOWED_UP"}},
        conditions={"field": "category", "op": "eq", "value": category},
        actions=[{"type": "send_survey"}],
    )
    ticket = await open_ticket(client, as_alpha["agent"], T0, category=category)
    ticket = await move(client, as_alpha["agent"], ticket, "ACCEPTED", T0)
    ticket = await move(client, as_alpha["agent"], ticket, "RESOLVED", T0)
    by_resolution = (await _survey(client, as_alpha["agent"], ticket["id"]))["survey"]["id"]
    await move(client, as_alpha["agent"], ticket, "FOLLOWED_UP", T0)
    await deliver()
    assert [r["status"] for r in await runs_of(client, as_alpha["admin"], rule["id"])] == [
        "SUCCEEDED"
    ]
    assert (await _survey(client, as_alpha["agent"], ticket["id"]))["survey"]["id"] != by_resolution


async def test_another_tenant_neither_sees_nor_sends_surveys(
    client, as_alpha, as_beta, tenants, app_db
):
    ticket = await _resolved(client, as_alpha["agent"])
    assert (await gql(client, SEND, {"id": ticket["id"]}, token=as_beta["admin"])).codes == [
        "NOT_FOUND"
    ]
    seen = await gql(client, SURVEY, {"id": ticket["id"]}, token=as_beta["admin"])
    assert seen.body["data"]["node"] is None
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
        rows = await app_db.fetch("SELECT tenant_id FROM satisfaction_survey")
    assert {r["tenant_id"] for r in rows} <= {uuid.UUID(tenants["beta"].id)}
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["alpha"].id)
        assert await app_db.fetchval("SELECT count(*) FROM satisfaction_survey") > 0
