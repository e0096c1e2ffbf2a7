"""Mutations of the auth area, one per module, gathered into one type."""

import strawberry

from api.auth.mutations.account_links import (
    accept_invitation,
    request_password_reset,
    reset_password,
)
from api.auth.mutations.api_tokens import create_api_token, revoke_api_token
from api.auth.mutations.profile import set_my_locale, update_my_profile
from api.auth.mutations.sessions import login, logout, refresh_session


@strawberry.type
class AuthMutations:
    login = login
    refresh_session = refresh_session
    logout = logout
    create_api_token = create_api_token
    revoke_api_token = revoke_api_token
    set_my_locale = set_my_locale
    update_my_profile = update_my_profile
    accept_invitation = accept_invitation
    request_password_reset = request_password_reset
    reset_password = reset_password
