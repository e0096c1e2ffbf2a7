"""What every mutation needs, in one table, checked in one place.

`MUTATION_RIGHTS` names, per Mutation field, the role right and token scope it needs. `guard_mutations`
puts one permission check on every field of the Mutation type when the schema is built, and refuses
to build a schema with a mutation that has no entry: a new mutation cannot forget its check. The
check runs before the resolver parses its input, so a caller without the right gets FORBIDDEN
whatever it sent. The domain still checks the exact record (its type's rights, its visibility);
this table is the wall that no mutation can be without (docs/permissions.md)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info
from strawberry.utils.str_converters import to_camel_case

from api.names import plural
from api.permissions import check_access, principal_of
from domain.approvals.definitions import PROCESS_SPEC
from domain.automation.rules import RULE_SPEC
from domain.crm.activities import ACTIVITY_SPEC
from domain.crm.campaigns import CAMPAIGN_SPEC
from domain.crm.contacts import CONTACT_SPEC
from domain.crm.customers import CUSTOMER_SPEC
from domain.crm.leads import LEAD_SPEC
from domain.crm.opportunities import OPPORTUNITY_SPEC
from domain.crm.pipelines import PIPELINE_SPEC, STAGE_SPEC
from domain.crm.teams import TEAM_SPEC
from domain.crm.tickets import TICKET_SPEC
from domain.custom.indexes import INDEX_SPEC
from domain.custom.metadata import DEFAULT_RIGHTS, STANDARD_OBJECTS, load_objects, record_spec
from domain.custom.specs import FIELD_SPEC, OBJECT_SPEC
from domain.duplicates.rules import DUPLICATE_RULE_SPEC
from domain.errors import Forbidden
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.integrations.endpoints import ENDPOINT_SPEC
from domain.integrations.sync.connections import SYNC_SPEC
from domain.integrations.webhook_endpoints import WEBHOOK_SPEC
from domain.records.rights import Action
from domain.records.spec import RecordSpec
from domain.service_levels.policies import SLA_POLICY_SPEC


class Need(Protocol):
    async def check(self, principal: Principal) -> None:
        """Raise Forbidden unless the principal may call the mutation."""


@dataclass(frozen=True)
class Public:
    """Needs no credential (signing in)."""

    async def check(self, principal: Principal) -> None:
        return None


@dataclass(frozen=True)
class OwnState:
    """Changes only the caller's own state (its session, its notifications): every signed-in user
    may; an API token only with some write scope, so read-only tokens never write anything."""

    async def check(self, principal: Principal) -> None:
        if principal.scopes is not None and not any(
            scope.endswith(":write") for scope in principal.scopes
        ):
            raise Forbidden("A read-only token cannot change anything")


@dataclass(frozen=True)
class RoleAndScope:
    """One of `roles`, and for API tokens `scope`."""

    roles: tuple[Role, ...]
    scope: str

    async def check(self, principal: Principal) -> None:
        check_access(principal, roles=self.roles, scope=self.scope)


# Stands for "the records of every custom object": their rights are per object, set by admins.
CUSTOM_OBJECTS = "custom objects"
# The rights a new object starts with: an admin may call createRecord before any object exists
# (and gets NOT_FOUND for the object, not FORBIDDEN).
NEW_OBJECT = RecordSpec(
    record_type="CustomRecord", table="custom_record", fields=(), rights=DEFAULT_RIGHTS
)


@dataclass(frozen=True)
class Right:
    """`actions` on one of `on` (record specs, or CUSTOM_OBJECTS), with the token scope of its
    family. For mutations whose record type comes from the input (tags, custom records, upserts)
    this is the floor: the caller can do it to at least one such type; the domain then checks the
    record's own type."""

    actions: tuple[Action, ...]
    on: tuple[RecordSpec | str, ...]

    async def check(self, principal: Principal) -> None:
        denied: Forbidden | None = None
        for spec in await _specs(self.on):
            for action in self.actions:
                try:
                    spec.require(principal, action)
                    return
                except Forbidden as exc:
                    denied = denied or exc
        raise denied or Forbidden("Your role does not allow this")


async def _specs(targets: Iterable[RecordSpec | str]) -> list[RecordSpec]:
    specs: list[RecordSpec] = []
    for target in targets:
        if target == CUSTOM_OBJECTS:
            specs += [NEW_OBJECT, *(record_spec(obj) for obj in await load_objects())]
        elif isinstance(target, RecordSpec):
            specs.append(target)
    return specs


def right(*actions: Action, on: RecordSpec | str | tuple[RecordSpec | str, ...]) -> Right:
    return Right(actions, on if isinstance(on, tuple) else (on,))


def crud(spec: RecordSpec, *, create: bool = True, bulk: bool = True) -> dict[str, Right]:
    """The entries of the standard mutations of a record type (api/records/crud.py)."""
    name = spec.record_type
    entries = {
        f"update{name}": right(Action.UPDATE, on=spec),
        f"delete{name}": right(Action.DELETE, on=spec),
        f"restore{name}": right(Action.DELETE, on=spec),
    }
    if create:
        entries[f"create{name}"] = right(Action.CREATE, on=spec)
    if bulk:
        entries[f"bulkCreate{plural(name)}"] = right(Action.CREATE, on=spec)
        entries[f"bulkUpdate{plural(name)}"] = right(Action.UPDATE, on=spec)
    return entries


TAGGABLE = (CUSTOMER_SPEC, CONTACT_SPEC, LEAD_SPEC, OPPORTUNITY_SPEC, TICKET_SPEC)
ANY_RECORD: tuple[RecordSpec | str, ...] = (*STANDARD_OBJECTS.values(), CUSTOM_OBJECTS)
ADMIN_TOKENS = RoleAndScope((Role.ADMIN,), "admin:write")
# Approvals are work of every role that writes (viewers stay read-only); tokens need crm:write.
APPROVAL_WORK = RoleAndScope((Role.ADMIN, Role.MANAGER, Role.MEMBER, Role.AGENT), "crm:write")

MUTATION_RIGHTS: dict[str, Need] = {
    # auth
    "login": Public(),
    "refreshSession": Public(),
    "logout": OwnState(),
    "createApiToken": ADMIN_TOKENS,
    "revokeApiToken": ADMIN_TOKENS,
    # CRM records
    **crud(CUSTOMER_SPEC),
    **crud(CONTACT_SPEC),
    **crud(TEAM_SPEC, bulk=False),
    **crud(CAMPAIGN_SPEC, bulk=False),
    **crud(LEAD_SPEC),
    **crud(OPPORTUNITY_SPEC),
    **crud(TICKET_SPEC),
    **crud(ACTIVITY_SPEC, create=False, bulk=False),
    **crud(PIPELINE_SPEC, create=False, bulk=False),
    "addTags": right(Action.UPDATE, on=(*TAGGABLE, CUSTOM_OBJECTS)),
    "removeTags": right(Action.UPDATE, on=(*TAGGABLE, CUSTOM_OBJECTS)),
    "convertLead": right(Action.UPDATE, on=LEAD_SPEC),
    "changeTicketStatus": right(Action.UPDATE, on=TICKET_SPEC),
    "createPipeline": right(Action.CREATE, on=PIPELINE_SPEC),
    "addStage": right(Action.UPDATE, on=PIPELINE_SPEC),
    "updateStage": right(Action.UPDATE, on=STAGE_SPEC),
    "deleteStage": right(Action.DELETE, on=STAGE_SPEC),
    "logActivity": right(Action.CREATE, on=ACTIVITY_SPEC),
    "completeTask": right(Action.UPDATE, on=ACTIVITY_SPEC),
    # the data model
    "createObject": right(Action.CREATE, on=OBJECT_SPEC),
    "updateObject": right(Action.UPDATE, on=OBJECT_SPEC),
    "deleteObject": right(Action.DELETE, on=OBJECT_SPEC),
    "restoreObject": right(Action.DELETE, on=OBJECT_SPEC),
    "purgeObject": right(Action.DELETE, on=OBJECT_SPEC),
    "createField": right(Action.CREATE, on=FIELD_SPEC),
    "updateField": right(Action.UPDATE, on=FIELD_SPEC),
    "deleteField": right(Action.DELETE, on=FIELD_SPEC),
    "restoreField": right(Action.DELETE, on=FIELD_SPEC),
    "purgeField": right(Action.DELETE, on=FIELD_SPEC),
    "reorderFields": right(Action.UPDATE, on=FIELD_SPEC),
    "setFieldAccess": right(Action.UPDATE, on=FIELD_SPEC),
    "createIndex": right(Action.CREATE, on=INDEX_SPEC),
    "dropIndex": right(Action.DELETE, on=INDEX_SPEC),
    # custom records (rights per object)
    "createRecord": right(Action.CREATE, on=CUSTOM_OBJECTS),
    "createRecords": right(Action.CREATE, on=CUSTOM_OBJECTS),
    "updateRecord": right(Action.UPDATE, on=CUSTOM_OBJECTS),
    "updateRecords": right(Action.UPDATE, on=CUSTOM_OBJECTS),
    "deleteRecord": right(Action.DELETE, on=CUSTOM_OBJECTS),
    "restoreRecord": right(Action.DELETE, on=CUSTOM_OBJECTS),
    "upsertRecords": right(Action.CREATE, Action.UPDATE, on=ANY_RECORD),
    # automation
    "createAutomationRule": right(Action.CREATE, on=RULE_SPEC),
    "updateAutomationRule": right(Action.UPDATE, on=RULE_SPEC),
    "deleteAutomationRule": right(Action.DELETE, on=RULE_SPEC),
    "testAutomationRule": right(Action.UPDATE, on=RULE_SPEC),
    "rerunAutomationRun": right(Action.UPDATE, on=RULE_SPEC),
    "markNotificationsRead": OwnState(),
    "setMyLocale": OwnState(),
    "updateMyProfile": OwnState(),
    "acceptInvitation": Public(),
    "requestPasswordReset": Public(),
    "resetPassword": Public(),
    "inviteMember": ADMIN_TOKENS,
    "changeMemberRole": ADMIN_TOKENS,
    "deactivateMember": ADMIN_TOKENS,
    "reactivateMember": ADMIN_TOKENS,
    # approvals: definitions are the admins'
    "createApprovalProcess": right(Action.CREATE, on=PROCESS_SPEC),
    "updateApprovalProcess": right(Action.UPDATE, on=PROCESS_SPEC),
    "deleteApprovalProcess": right(Action.DELETE, on=PROCESS_SPEC),
    # approvals: who may submit, decide, recall or reassign depends on the request (the domain
    # checks the record's visibility, the current approvers, delegations, the submitter)
    "submitForApproval": APPROVAL_WORK,
    "approve": APPROVAL_WORK,
    "reject": APPROVAL_WORK,
    "recall": APPROVAL_WORK,
    "reassignApproval": APPROVAL_WORK,
    "cancelApprovalRequest": RoleAndScope((Role.ADMIN,), "crm:write"),
    "createApprovalDelegation": OwnState(),
    "revokeApprovalDelegation": OwnState(),
    # service levels
    "createSlaPolicy": right(Action.CREATE, on=SLA_POLICY_SPEC),
    "updateSlaPolicy": right(Action.UPDATE, on=SLA_POLICY_SPEC),
    "deleteSlaPolicy": right(Action.DELETE, on=SLA_POLICY_SPEC),
    "reorderSlaPolicies": right(Action.UPDATE, on=SLA_POLICY_SPEC),
    "sendSatisfactionSurvey": right(Action.UPDATE, on=TICKET_SPEC),
    # integrations
    "createInboundEndpoint": right(Action.CREATE, on=ENDPOINT_SPEC),
    "updateInboundEndpoint": right(Action.UPDATE, on=ENDPOINT_SPEC),
    "rotateInboundEndpointSecret": right(Action.UPDATE, on=ENDPOINT_SPEC),
    "deleteInboundEndpoint": right(Action.DELETE, on=ENDPOINT_SPEC),
    "reprocessInboundRequest": right(Action.UPDATE, on=ENDPOINT_SPEC),
    "createWebhookEndpoint": right(Action.CREATE, on=WEBHOOK_SPEC),
    "updateWebhookEndpoint": right(Action.UPDATE, on=WEBHOOK_SPEC),
    "rotateWebhookSecret": right(Action.UPDATE, on=WEBHOOK_SPEC),
    "deleteWebhookEndpoint": right(Action.DELETE, on=WEBHOOK_SPEC),
    "sendTestWebhook": right(Action.UPDATE, on=WEBHOOK_SPEC),
    "resendWebhookDelivery": right(Action.UPDATE, on=WEBHOOK_SPEC),
    "createSyncConnection": right(Action.CREATE, on=SYNC_SPEC),
    "updateSyncConnection": right(Action.UPDATE, on=SYNC_SPEC),
    "deleteSyncConnection": right(Action.DELETE, on=SYNC_SPEC),
    "runSyncNow": right(Action.UPDATE, on=SYNC_SPEC),
    # tenant settings
    "updateTenantSettings": ADMIN_TOKENS,
    # routing: admins and managers for anyone, every member for themselves (checked by the domain)
    "setMemberRouting": RoleAndScope(
        (Role.ADMIN, Role.MANAGER, Role.MEMBER, Role.AGENT), "crm:write"
    ),
    # saved reports and dashboards: anyone signed in keeps their own; the domain lets only the
    # owner (or an admin) change or delete one
    "saveReport": OwnState(),
    "deleteReport": OwnState(),
    "saveDashboard": OwnState(),
    "deleteDashboard": OwnState(),
    # report e-mails: anyone who may read the report schedules it; the domain lets only the
    # creator (or an admin) cancel one
    "scheduleReport": OwnState(),
    "cancelReportSchedule": OwnState(),
    # background jobs: the domain lets only who started the job (or an admin) cancel it
    "cancelJob": OwnState(),
    # imports: the floor is creating or updating some record type; the import checks its object
    "startImport": right(Action.CREATE, Action.UPDATE, on=ANY_RECORD),
    # exports start a job (a write, so not for read-only tokens); the export checks the read right
    # on its object, the fields and the records itself
    "exportRecords": OwnState(),
    # attachments: the domain checks the update right on the file's record
    "deleteAttachment": right(Action.UPDATE, on=ANY_RECORD),
    # duplicates
    "createDuplicateRule": right(Action.CREATE, on=DUPLICATE_RULE_SPEC),
    "updateDuplicateRule": right(Action.UPDATE, on=DUPLICATE_RULE_SPEC),
    "deleteDuplicateRule": right(Action.DELETE, on=DUPLICATE_RULE_SPEC),
    "startDuplicateScan": right(Action.UPDATE, on=DUPLICATE_RULE_SPEC),
    # merging (the domain checks update on the survivor and delete on the merged records of the type)
    "mergeRecords": right(
        Action.DELETE, on=(CUSTOMER_SPEC, CONTACT_SPEC, LEAD_SPEC, CUSTOM_OBJECTS)
    ),
    "unmergeRecords": right(
        Action.DELETE, on=(CUSTOMER_SPEC, CONTACT_SPEC, LEAD_SPEC, CUSTOM_OBJECTS)
    ),
}


class MutationRight(BasePermission):
    """The table's entry for one mutation, checked before its resolver runs."""

    def __init__(self, name: str, need: Need) -> None:
        self.name, self.need = name, need

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        await self.need.check(principal_of(info))
        return True


class MissingMutationRight(RuntimeError):
    """A Mutation field without an entry in MUTATION_RIGHTS."""


def guard_mutations(mutation: type, rights: dict[str, Need] | None = None) -> type:
    """Put each field's entry of `rights` (MUTATION_RIGHTS) on the fields of `mutation`, replacing
    whatever permission classes they declared; refuse fields without an entry."""
    table = MUTATION_RIGHTS if rights is None else rights
    for field in mutation.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        name = field.graphql_name or to_camel_case(field.python_name)
        if name not in table:
            raise MissingMutationRight(
                f"mutation {name} has no entry in api/mutation_rights.py MUTATION_RIGHTS"
            )
        field.extensions = [e for e in field.extensions if not isinstance(e, PermissionExtension)]
        field.permission_classes = []
        need = table[name]
        if not isinstance(need, Public):
            field.extensions.append(
                PermissionExtension([MutationRight(name, need)], use_directives=False)
            )
    return mutation
