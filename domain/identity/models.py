"""Identity tables. Keys lead with tenant_id in the database; tortoise addresses rows by `id`
(a globally unique UUID) and row-level security confines every query to the current tenant."""

from tortoise import fields
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.models import Model


class User(Model):
    id = fields.UUIDField(primary_key=True)
    email = fields.CharField(max_length=320)
    name = fields.CharField(max_length=200, default="")
    password_hash = fields.TextField(null=True)  # None until an invited user sets one
    time_zone = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "app_user"


class Membership(Model):
    # The real key is (tenant_id, user_id); tortoise needs a single-column key to address rows.
    user_id = fields.UUIDField(primary_key=True)
    tenant_id = fields.UUIDField()
    role = fields.CharField(max_length=16)
    status = fields.CharField(max_length=16, default="active")  # invited, active, deactivated
    created_at = fields.DatetimeField(auto_now_add=True)
    invited_by = fields.UUIDField(null=True)
    invited_at = fields.DatetimeField(null=True)
    deactivated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "membership"


class AuthSession(Model):
    id = fields.UUIDField(primary_key=True)
    tenant_id = fields.UUIDField()
    user_id = fields.UUIDField()
    created_at = fields.DatetimeField(auto_now_add=True)
    last_refreshed_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    revoked_reason = fields.TextField(null=True)

    class Meta:
        table = "auth_session"


class RefreshToken(Model):
    id = fields.UUIDField(primary_key=True)
    tenant_id = fields.UUIDField()
    session_id = fields.UUIDField()
    token_hash = fields.BinaryField()
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refresh_token"


class ApiToken(Model):
    id = fields.UUIDField(primary_key=True)
    tenant_id = fields.UUIDField()
    user_id = fields.UUIDField()
    name = fields.CharField(max_length=100)
    scopes = ArrayField(element_type="text")
    token_hash = fields.BinaryField()
    hint = fields.CharField(max_length=32)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"
