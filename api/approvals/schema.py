"""The approvals area's queries and mutations, merged for api/schema.py."""

from __future__ import annotations

from strawberry.tools import merge_types

from api.approvals.definitions_api import ApprovalProcessMutations, ApprovalProcessQueries
from api.approvals.requests_api import ApprovalRequestMutations, ApprovalRequestQueries

ApprovalQueries = merge_types("ApprovalQueries", (ApprovalProcessQueries, ApprovalRequestQueries))
ApprovalMutations = merge_types(
    "ApprovalMutations", (ApprovalProcessMutations, ApprovalRequestMutations)
)
