"""createApiToken and revokeApiToken."""

from __future__ import annotations

import uuid

import strawberry
from strawberry.types import Info

from api.auth.inputs import CreateApiTokenInput, RevokeApiTokenInput
from api.auth.types import ApiTokenType, CreateApiTokenPayload
from api.permissions import principal_of
from domain.errors import InvalidInput, NotFound
from domain.identity import api_tokens


@strawberry.mutation(description="Create a partner token; its secret is shown once")
async def create_api_token(info: Info, input: CreateApiTokenInput) -> CreateApiTokenPayload:
    created = await api_tokens.create_api_token(
        principal=principal_of(info),
        name=input.name,
        scopes=input.scopes,
        expires_at=input.expires_at,
    )
    return CreateApiTokenPayload(
        api_token=ApiTokenType.from_model(created.token), secret=created.secret
    )


@strawberry.mutation(description="Revoke a partner token at once")
async def revoke_api_token(info: Info, input: RevokeApiTokenInput) -> ApiTokenType:
    if input.id.type_name != "ApiToken":
        raise InvalidInput.single("id", "WRONG_TYPE", "id is not an ApiToken id")
    try:
        token_id = uuid.UUID(input.id.node_id)
    except ValueError as exc:
        raise NotFound("API token not found") from exc
    return ApiTokenType.from_model(await api_tokens.revoke_api_token(token_id=token_id))
