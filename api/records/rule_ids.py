"""Ids inside rules and approval processes (teams and users of actions, `...Id` values an action
writes, ids compared in conditions) are global ids in the API and UUIDs in the database."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from api.records.ids import decode_id, encode_id, raw_id, raw_ids
from domain.errors import InvalidInput

_KEYS = {"teamId": "Team", "defaultUserId": "User", "processId": "ApprovalProcess"}
_LISTS = {"userIds": "User"}
_MAPS = {"table": "User"}  # assignment tables: value -> user


def ids_in(actions: Any) -> Any:
    if not isinstance(actions, list):
        return actions
    result, errors = copy.deepcopy(actions), []
    for index, action in enumerate(result):
        if not isinstance(action, dict):
            continue
        if isinstance(action.get("values"), dict):
            action["values"] = raw_ids(action["values"])
        try:
            for key, type_name in _KEYS.items():
                if action.get(key) is not None:
                    action[key] = str(
                        decode_id(
                            str(action[key]), expected=type_name, field=f"actions.{index}.{key}"
                        )
                    )
            for key, type_name in _LISTS.items():
                if isinstance(action.get(key), list):
                    action[key] = [
                        str(decode_id(str(v), expected=type_name, field=f"actions.{index}.{key}"))
                        for v in action[key]
                    ]
            for key, type_name in _MAPS.items():
                if isinstance(action.get(key), dict):
                    action[key] = {
                        k: str(
                            decode_id(
                                str(v), expected=type_name, field=f"actions.{index}.{key}.{k}"
                            )
                        )
                        for k, v in action[key].items()
                    }
        except InvalidInput as exc:
            errors += exc.field_errors
    if errors:
        raise InvalidInput(errors)
    return result


def condition_ids_in(tree: Any) -> Any:
    """A condition tree with the global ids compared to id fields (`id`, `ownerId`, `customer.id`)
    as UUIDs; anything else is left for the domain's checks."""
    if not isinstance(tree, dict):
        return tree
    result = dict(tree)
    for key in ("all", "any"):
        if isinstance(tree.get(key), list):
            result[key] = [condition_ids_in(part) for part in tree[key]]
    if "not" in tree:
        result["not"] = condition_ids_in(tree["not"])
    name = tree.get("field", tree.get("previous", tree.get("actor")))
    if isinstance(name, str) and (name == "id" or name.endswith(("Id", ".id"))) and "value" in tree:
        value = tree["value"]
        result["value"] = [raw_id(v) for v in value] if isinstance(value, list) else raw_id(value)
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
        for key, type_name in _MAPS.items():
            if isinstance(action.get(key), dict):
                action[key] = {
                    k: str(encode_id(type_name, uuid.UUID(str(v)))) for k, v in action[key].items()
                }
    return result
