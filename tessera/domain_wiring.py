"""Plugs domain.custom into the generic record flows. Every entry point that touches tenant data
(the API app, the worker, the scheduler, the relay, the operator CLI) calls `wire_domain()` at
start-up; a process that does not refuses to write standard records or read field rules
(domain.errors.NotWired) rather than writing unchecked custom values or showing hidden ones.

Kept apart from tessera/wiring.py, which imports the API: workers must not pay for the schema."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.approvals.automation_action import check_submit, current_approvers, submit_for_approval
from domain.approvals.locks import ApprovalLocks
from domain.automation.actions import plug_action
from domain.automation.context import plug_recipients
from domain.crm.tickets import plug_ticket_clocks, plug_ticket_surveys
from domain.custom.derived import hidden_with_derived
from domain.custom.standard import StandardCustomFields
from domain.duplicates.checks import DuplicateChecks
from domain.duplicates.scan import KIND as SCAN_JOB
from domain.duplicates.scan import configure_scan_limits, run_scan
from domain.exports.run import KIND as EXPORT_JOB
from domain.exports.run import run_export
from domain.files.directory_store import DirectoryStore
from domain.files.limits import configure_file_limits
from domain.files.links import configure_link_secret
from domain.files.s3_store import S3Settings, S3Store
from domain.files.storage import ObjectStore, configure_store
from domain.identity.account_links import LinkSettings, configure_account_links
from domain.identity.principal import Principal
from domain.imports.run import KIND as IMPORT_JOB
from domain.imports.run import run_import
from domain.jobs import RunningJob, register_job_kind
from domain.jobs.kinds import Handler
from domain.records.field_access import plug_derived_fields
from domain.records.service import plug_custom_fields
from domain.records.spec import RecordSpec
from domain.records.writes import WrittenHook, plug_lock_guard, plug_written_hook
from domain.reports.touches import CampaignTouches, TouchKind, touches_as
from domain.service_levels import clocks
from domain.surveys import service as surveys
from domain.surveys.automation_action import check_send_survey, send_survey
from domain.surveys.tokens import plug_survey_key
from tessera.settings import Settings, load_settings


class WrittenHooks:
    """Several record write hooks, called in order (a refusal by one stops the write)."""

    def __init__(self, *hooks: WrittenHook) -> None:
        self.hooks = hooks

    async def written(
        self,
        spec: RecordSpec,
        rows: list[dict[str, Any]],
        *,
        principal: Principal,
        columns: set[str] | None = None,
    ) -> None:
        for hook in self.hooks:
            await hook.written(spec, rows, principal=principal, columns=columns)


def imported(handler: Handler) -> Handler:
    """The import job, with the campaign links it writes recorded as IMPORTED touches."""

    async def run(job: RunningJob) -> dict[str, Any] | None:
        with touches_as(TouchKind.IMPORTED):
            return await handler(job)

    return run


def wire_domain() -> None:
    """Custom-field checks into the standard record writes; fields computed from hidden fields
    into the field rules; approval locks into every record update, and the automation action
    submit_for_approval; SLA clocks and satisfaction surveys into ticket writes (surveys signed with a
    key from the settings); duplicate rules into every record write."""
    plug_custom_fields(StandardCustomFields())
    plug_written_hook(WrittenHooks(DuplicateChecks(), CampaignTouches()))  # campaign touches
    plug_derived_fields(hidden_with_derived)
    plug_lock_guard(ApprovalLocks())  # fields locked by pending approval requests
    plug_action("submit_for_approval", submit_for_approval, check_submit)
    plug_recipients("approvers", current_approvers)
    plug_ticket_clocks(clocks)  # SLA clocks follow ticket writes
    settings = load_settings()
    configure_file_limits(
        max_upload_bytes=settings.max_upload_bytes,
        max_attachment_bytes=settings.max_attachment_bytes,
        max_import_rows=settings.max_import_rows,
        max_export_rows=settings.max_export_rows,
        download_link_seconds=settings.download_link_seconds,
    )
    # Kinds of background jobs (domain/jobs), one line each: every process knows the same ones.
    register_job_kind(IMPORT_JOB, imported(run_import))
    register_job_kind(SCAN_JOB, run_scan)
    configure_scan_limits(max_records=settings.max_duplicate_scan_records)
    register_job_kind(EXPORT_JOB, run_export)
    configure_link_secret(settings.jwt_secret_value())  # signs download links
    configure_store(file_store(settings))
    plug_ticket_surveys(surveys)  # a resolved ticket's customer gets a survey
    plug_action("send_survey", send_survey, check_send_survey)
    plug_survey_key(settings.jwt_secret_value())
    surveys.configure_surveys(link_days=settings.survey_link_days)
    configure_account_links(
        LinkSettings(
            app_url=settings.app_url,
            invitation_lifetime=timedelta(hours=settings.invitation_link_hours),
            reset_lifetime=timedelta(minutes=settings.password_reset_link_minutes),
        )
    )


def file_store(settings: Settings) -> ObjectStore:
    """The object store that settings choose for files' bytes (docs/operations.md)."""
    if settings.file_storage == "s3":
        secret = settings.s3_secret_access_key
        return S3Store(
            S3Settings(
                bucket=settings.s3_bucket,
                prefix=settings.s3_prefix,
                endpoint_url=settings.s3_endpoint_url or None,
                region=settings.s3_region or None,
                access_key_id=settings.s3_access_key_id or None,
                secret_access_key=(secret.get_secret_value() if secret else "") or None,
                path_style=settings.s3_path_style,
            )
        )
    return DirectoryStore(settings.files_directory())
