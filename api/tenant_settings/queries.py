"""Reading the tenant's settings: every signed-in user and token (clients show times in the
tenant's zone and texts in its language)."""

from __future__ import annotations

import strawberry

from api.permissions import Authenticated
from api.tenant_settings.types import TenantSettingsType
from domain.tenant_settings import current_settings


@strawberry.type
class TenantSettingsQueries:
    @strawberry.field(
        permission_classes=[Authenticated],
        description="The tenant's settings and business calendars",
    )
    async def tenant_settings(self) -> TenantSettingsType:
        return TenantSettingsType.of(await current_settings())
