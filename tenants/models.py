"""The tenant registry: the one table that is not tenant-owned (every other table references it)."""

from tortoise import fields
from tortoise.models import Model

ACTIVE = "active"
SUSPENDED = "suspended"


class Tenant(Model):
    id = fields.UUIDField(primary_key=True)
    slug = fields.CharField(max_length=63, unique=True)
    name = fields.CharField(max_length=200)
    status = fields.CharField(max_length=16, default=ACTIVE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "tenant"

    @property
    def is_active(self) -> bool:
        return self.status == ACTIVE
