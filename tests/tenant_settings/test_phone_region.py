"""National phone numbers are read in the tenant's phone region and stored as E.164, on standard
phone fields (leads, contacts) and on custom fields of type PHONE."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.phones import to_e164
from tests.support.custom import CREATE_RECORD, make_object
from tests.support.graphql import gql

SETTINGS = "{ tenantSettings { version } }"
UPDATE = (
    "mutation($i: UpdateTenantSettingsInput!) { updateTenantSettings(input: $i) { phoneRegion } }"
)
LEAD = "mutation($i: CreateLeadInput!) { createLead(input: $i) { id phone } }"
CONTACT = "mutation($i: CreateContactInput!) { createContact(input: $i) { id phones } }"
UPDATE_LEAD = "mutation($i: UpdateLeadInput!) { updateLead(input: $i) { phone version } }"


async def _region(client, token, region):
    version = (await gql(client, SETTINGS, token=token)).data["tenantSettings"]["version"]
    assert (
        await gql(client, UPDATE, {"i": {"version": version, "phoneRegion": region}}, token=token)
    ).data


def _field_errors(response):
    assert response.codes == ["BAD_USER_INPUT"], response.body
    return {(e["field"], e["code"]) for e in response.errors[0]["extensions"]["fieldErrors"]}


def test_to_e164_reads_national_numbers_in_the_region_given():
    assert to_e164("13800138000", "CN") == "+8613800138000"
    assert to_e164("138 0013 8000", "CN") == "+8613800138000"
    assert to_e164("+1 650-253-0000", "CN") == "+16502530000"  # international wins over the region
    assert to_e164("030 1234567", "DE") == "+49301234567"
    with pytest.raises(InvalidInput) as refused:
        to_e164("13800138000", None)
    assert [(e.field, e.code) for e in refused.value.field_errors] == [("phone", "INVALID_PHONE")]
    with pytest.raises(InvalidInput):
        to_e164("12345", "CN")


async def test_a_cn_tenant_stores_national_numbers_as_e164(client, settings_tenant):
    admin = settings_tenant["admin"]
    # Without a phone region, a national number is refused
    await _region(client, admin, None)
    refused = await gql(
        client, LEAD, {"i": {"companyName": "No region", "phone": "13800138000"}}, token=admin
    )
    assert _field_errors(refused) == {("phone", "INVALID_PHONE")}
    # With region CN, it is read as a Chinese number
    await _region(client, admin, "CN")
    lead = (
        await gql(client, LEAD, {"i": {"companyName": "深圳", "phone": "13800138000"}}, token=admin)
    ).data["createLead"]
    assert lead["phone"] == "+8613800138000"
    contact = await gql(
        client,
        CONTACT,
        {"i": {"name": "Li Wei", "phones": ["138 0013 8000", "010 1234 5678", "+1 650 253 0000"]}},
        token=admin,
    )
    assert contact.data["createContact"]["phones"] == [
        "+8613800138000",
        "+861012345678",
        "+16502530000",
    ]
    # An update is read the same way; a bad number is BAD_USER_INPUT INVALID_PHONE, and nothing is written
    updated = await gql(
        client,
        UPDATE_LEAD,
        {"i": {"id": lead["id"], "version": 1, "phone": "139 0013 9000"}},
        token=admin,
    )
    assert updated.data["updateLead"]["phone"] == "+8613900139000"
    bad = await gql(
        client, UPDATE_LEAD, {"i": {"id": lead["id"], "version": 2, "phone": "12345"}}, token=admin
    )
    assert _field_errors(bad) == {("phone", "INVALID_PHONE")}
    assert "national in CN" in bad.errors[0]["extensions"]["fieldErrors"][0]["message"]
    bulk = await gql(
        client, CONTACT, {"i": {"name": "A B", "phones": ["13800138000", "999"]}}, token=admin
    )
    assert _field_errors(bulk) == {("phones.1", "INVALID_PHONE")}


async def test_custom_phone_fields_follow_the_region(client, settings_tenant):
    admin = settings_tenant["admin"]
    await _region(client, admin, "CN")
    name = await make_object(client, admin, [{"apiName": "mobile", "type": "PHONE"}], stem="site")
    made = await gql(
        client,
        CREATE_RECORD,
        {"input": {"object": name, "values": {"mobile": "13800138000"}}},
        token=admin,
    )
    assert made.data["createRecord"]["values"]["mobile"] == "+8613800138000"
    # In a region where that is no valid number, the same text is refused
    await _region(client, admin, "US")
    refused = await gql(
        client,
        CREATE_RECORD,
        {"input": {"object": name, "values": {"mobile": "13800138000"}}},
        token=admin,
    )
    assert _field_errors(refused) == {("values.mobile", "INVALID_PHONE")}
    await _region(client, admin, None)
