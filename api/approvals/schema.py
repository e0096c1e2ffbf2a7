"""The approvals area's queries and mutations, merged for api/schema.py."""

from __future__ import annotations

from strawberry.tools import merge_types

from api.approvals.definitions_api import ApprovalProcessMutations, ApprovalProcessQueries

ApprovalQueries = merge_types("ApprovalQueries", (ApprovalProcessQueries,))
ApprovalMutations = merge_types("ApprovalMutations", (ApprovalProcessMutations,))
