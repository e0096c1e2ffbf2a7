"""Ids inside rule actions (teams, users) are global ids in the API and UUIDs in the database."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from api.records.ids import decode_id, encode_id
from domain.errors import InvalidInput

_KEYS = {"teamId": "Team"}
_LISTS = {"userIds": "User"}


def ids_in(actions: Any) -> Any:
    if not isinstance(actions, list):
        return actions
    result, errors = copy.deepcopy(actions), []
    for index, action in enumerate(result):
        if not isinstance(action, dict):
            continue
        try:
            for key, type_name in _KEYS.items():
                if action.get(key) is not None:
                    action[key] = str(decode_id(str(action[key]), expected=type_name, field=f"actions.{index}.{key}"))
            for key, type_name in _LISTS.items():
                if isinstance(action.get(key), list):
                    action[key] = [str(decode_id(str(v), expected=type_name, field=f"actions.{index}.{key}")) for v in action[key]]
        except InvalidInput as exc:
            errors += exc.field_errors
    if errors:
        raise InvalidInput(errors)
    return result


def ids_out(actions: Any) -> Any:
    if not isinstance(actions, list):
        return actions
    result = copy.deepcopy(actions)
    for action in result:
        if not isinstance(action, dict):
            continue
        for key, type_name in _KEYS.items():
            if action.get(key) is not None:
                action[key] = str(encode_id(type_name, uuid.UUID(str(action[key]))))
        for key, type_name in _LISTS.items():
            if isinstance(action.get(key), list):
                action[key] = [str(encode_id(type_name, uuid.UUID(str(v)))) for v in action[key]]
    return result
