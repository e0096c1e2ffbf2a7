"""The schema: every area's queries and mutations merged, with the safety limits on by default."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import strawberry
from strawberry import relay
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.tools import merge_types

from api.approvals.schema import ApprovalMutations, ApprovalQueries
from api.auth.mutations import AuthMutations
from api.auth.queries import AuthQueries
from api.automation.mutations import AutomationMutations
from api.automation.queries import AutomationQueries
from api.crm.schema import CrmMutations, CrmQueries
from api.custom.mutations import CustomMutations
from api.custom.queries import CustomQueries
from api.data.attachments import AttachmentMutations, AttachmentQueries
from api.data.exports import ExportMutations, ExportQueries
from api.data.imports import ImportMutations, ImportQueries
from api.duplicates.merge import MergeMutations
from api.duplicates.mutations import DuplicateMutations
from api.duplicates.queries import DuplicateQueries
from api.execution import FastExecutor
from api.extensions.locale import PickLocale
from api.extensions.no_suggestions import ValidationCacheWithoutSuggestions, WithoutSuggestions
from api.extensions.observe import ObserveOperation
from api.extensions.strict_input import RefuseUnstorableText, StrictDocuments
from api.extensions.tenant_scope import TenantScope
from api.integrations.external import ExternalIdMutations, ExternalIdQueries
from api.integrations.mutations import IntegrationMutations
from api.integrations.queries import IntegrationQueries
from api.integrations.sync_api import SyncMutations, SyncQueries
from api.integrations.webhook_api import WebhookMutations, WebhookQueries
from api.jobs.schema import JobMutations, JobQueries
from api.mutation_rights import guard_mutations
from api.reports.queries import ReportQueries
from api.reports.saved_api import SavedReportMutations
from api.reports.schedules_api import ReportScheduleMutations
from api.routing.schema import RoutingMutations, RoutingQueries
from api.service_levels.mutations import ServiceLevelMutations
from api.service_levels.queries import ServiceLevelQueries
from api.subscriptions.execution import ScopedEventExecution
from api.subscriptions.schema import Subscription
from api.surveys.mutations import SurveyMutations
from api.tenant_settings.mutations import TenantSettingsMutations
from api.tenant_settings.queries import TenantSettingsQueries


def _query_type() -> type:
    # Built per schema: relay.node() fields are mutated when a schema is built, so a second schema
    # (e.g. with the app's own limits) needs fresh ones.
    @strawberry.type
    class NodeQueries:
        node: relay.Node | None = relay.node(description="Any object by its global id")
        nodes: list[relay.Node | None] = relay.node(description="Objects by global ids, in order")

    return merge_types(
        "Query",
        (
            NodeQueries,
            AuthQueries,
            CrmQueries,
            CustomQueries,
            AutomationQueries,
            IntegrationQueries,
            WebhookQueries,
            ExternalIdQueries,
            SyncQueries,
            ApprovalQueries,
            TenantSettingsQueries,
            RoutingQueries,
            ReportQueries,
            JobQueries,
            ServiceLevelQueries,
            DuplicateQueries,
            ImportQueries,
            ExportQueries,
            AttachmentQueries,
        ),
    )


# Every mutation's right and scope come from one table (api/mutation_rights.py), checked in one place.
Mutation = guard_mutations(
    merge_types(
        "Mutation",
        (
            AuthMutations,
            CrmMutations,
            CustomMutations,
            AutomationMutations,
            IntegrationMutations,
            WebhookMutations,
            ExternalIdMutations,
            SyncMutations,
            ApprovalMutations,
            TenantSettingsMutations,
            RoutingMutations,
            JobMutations,
            ServiceLevelMutations,
            DuplicateMutations,
            ImportMutations,
            ExportMutations,
            MergeMutations,
            AttachmentMutations,
            SavedReportMutations,
            ReportScheduleMutations,
            SurveyMutations,
        ),
    )
)


@dataclass(frozen=True)
class SchemaLimits:
    max_depth: int = 12
    max_tokens: int = 2000
    max_aliases: int = 30
    max_batch_operations: int = 10
    introspection: bool = True


class _QuietSchema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        # ObserveOperation logs what matters (unexpected errors, with the request id); the default
        # would print a traceback for every expected error such as a wrong password.
        return None


def build_schema(
    limits: SchemaLimits = SchemaLimits(), *, fast_execution: bool = True
) -> strawberry.Schema:
    """`fast_execution` runs the planned executor (api/execution); without it graphql-core's own
    executor runs, with the same results. Without introspection, errors suggest no names either."""
    # The limit rules are built once: ValidationCache keys on the rule classes, and each limiter
    # instance makes new ones, so per-request limiters would defeat the cache.
    limit_rules = [
        *QueryDepthLimiter(max_depth=limits.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules,
    ]
    extensions: list[Callable[[], SchemaExtension]] = [
        ObserveOperation,  # outermost: sees the final errors of every other step
        StrictDocuments,
        # Clients send the same few documents over and over: parse and validate each once.
        lambda: ParserCache(maxsize=512),
        (lambda: ValidationCache(maxsize=512))
        if limits.introspection
        else (lambda: ValidationCacheWithoutSuggestions(maxsize=512)),
        lambda: AddValidationRules(limit_rules),
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        PickLocale,  # outside TenantScope: words errors after the operation's transaction ended
        TenantScope,
        RefuseUnstorableText,  # inside the tenant's scope: authentication and rate limits come first
    ]
    executor: type = FastExecutor if fast_execution else StrawberryGraphQLCoreExecutionContext
    if not limits.introspection:
        extensions.append(DisableIntrospection)
        executor = type(
            f"{executor.__name__}WithoutSuggestions", (WithoutSuggestions, executor), {}
        )
    # A subscription's events each resolve in their subscriber's tenant transaction.
    executor = type(f"Scoped{executor.__name__}", (ScopedEventExecution, executor), {})
    return _QuietSchema(
        query=_query_type(),
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        execution_context_class=executor,
        config=StrawberryConfig(batching_config={"max_operations": limits.max_batch_operations}),
    )


# The exported contract (`schema.graphql`) is the same whatever the limits.
schema = build_schema()
