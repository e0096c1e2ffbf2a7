"""What a column may be imported into (an object's fields: standard ones, custom fields of
standard objects as `customFields.<name>`, a custom object's fields, owners), the automatic
mapping of headers onto them, and turning a cell (CSV text, an XLSX number or date) into the
value the object's write flow takes. The write flow itself checks the values, as for the API."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.automation.targets import STANDARD
from domain.custom.fieldtypes import FieldType
from domain.custom.metadata import load_object, load_standard_fields
from domain.errors import FieldError, InvalidInput
from domain.imports.relations import EXTERNAL, NAMED, Related
from domain.records.naming import client_name
from domain.records.spec import CUSTOM_FIELDS_PREFIX, MEMBER, TEAM, Kind, Reference
from domain.tenant_settings import current_settings
from tenants.context import current_tenant_id, tenant_connection

# Never imported: set by Tessera itself.
SKIPPED = frozenset(
    {
        "id",
        "version",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "custom_fields",
        "deleted_at",
    }
)
# Headers people write for standard fields, beside the field's own name (Chinese Excel exports too).
ALIASES = {
    "owner": "ownerId",
    "owneremail": "ownerId",
    "负责人": "ownerId",
    "所有人": "ownerId",
    "name": "name",
    "名称": "name",
    "客户名称": "name",
    "公司名称": "companyName",
    "公司": "companyName",
    "姓名": "personName",
    "联系人": "personName",
    "fullname": "fullName",
    "email": "email",
    "邮箱": "email",
    "电子邮件": "email",
    "phone": "phone",
    "电话": "phone",
    "手机": "phone",
    "region": "region",
    "地区": "region",
    "区域": "region",
    "industry": "industry",
    "行业": "industry",
    "website": "website",
    "网站": "website",
    "source": "sourceChannel",
    "来源": "sourceChannel",
    "status": "status",
    "状态": "status",
    "score": "score",
    "评分": "score",
    "customer": "customerId",
    "customername": "customerId",
    "客户": "customerId",
    "contact": "contactId",
    "campaign": "campaignId",
    "活动": "campaignId",
    "pipeline": "pipelineId",
    "stage": "stageId",
    "阶段": "stageId",
    "team": "teamId",
    "团队": "teamId",
}
CLIENT_CUSTOM_PREFIX = client_name(CUSTOM_FIELDS_PREFIX)  # customFields.
TRUE = frozenset({"true", "yes", "y", "1", "是", "对", "真"})
FALSE = frozenset({"false", "no", "n", "0", "否", "错", "假"})


@dataclass(frozen=True)
class Target:
    name: str  # as the write flow names it: email, customFields.tier, amount, ownerId
    label: str
    kind: Kind | None = None  # standard fields
    field_type: FieldType | None = None  # custom fields
    member: bool = False  # a member of the tenant, given by email
    related: Related | None = None  # a related record, by id, name or external id
    writes: str | None = None  # the field the value goes to, when not `name`

    @property
    def custom(self) -> bool:
        return self.field_type is not None

    @property
    def field(self) -> str:
        """The field of the write flow the value goes to."""
        return self.writes or self.name


def _relation_targets(name: str, ref: Reference | None) -> dict[str, Target]:
    """A field pointing at named records: by id or name, and by external id."""
    if ref is None or ref.table not in NAMED:
        return {}
    return {
        name: Target(name, name, kind=Kind.UUID, related=Related(ref)),
        name + EXTERNAL: Target(
            name + EXTERNAL,
            f"{name} (external id)",
            kind=Kind.TEXT,
            related=Related(ref, by_external_id=True),
            writes=name,
        ),
    }


async def import_targets(object_name: str) -> dict[str, Target]:
    """{name: target} of a standard type or custom object; InvalidInput for an unknown one."""
    found: dict[str, Target] = {}
    if object_name in STANDARD:
        spec = STANDARD[object_name][0]
        for field in spec.fields:
            if field.name in SKIPPED or field.json_path or field.lookup:
                continue
            # Mappings are the client's documents: targets named as GraphQL names fields.
            name = client_name(field.name)
            found[name] = Target(name, name, kind=field.kind, member=field.references == MEMBER)
            found.update(_relation_targets(name, field.references))
        for definition in await load_standard_fields(object_name):
            if not (definition.deleted or definition.computed or definition.read_only):
                name = client_name(CUSTOM_FIELDS_PREFIX + definition.api_name)
                found[name] = Target(
                    name,
                    definition.label,
                    field_type=definition.type,
                    member=definition.type is FieldType.USER,
                )
        return found
    try:
        obj = await load_object(object_name)
    except Exception as exc:  # NotFound, or a name that is no object at all
        raise InvalidInput.single(
            "object", "UNKNOWN_OBJECT", "a standard type (Lead, Customer, ...) or a custom object"
        ) from exc
    found["ownerId"] = Target("ownerId", "ownerId", kind=Kind.UUID, member=True)
    found.update(_relation_targets("teamId", TEAM))
    for definition in obj.fields:
        if not (definition.deleted or definition.computed or definition.read_only):
            found[definition.api_name] = Target(
                definition.api_name,
                definition.label,
                field_type=definition.type,
                member=definition.type is FieldType.USER,
            )
    return found


def _key(text: str) -> str:
    return re.sub(r"[\s_\-.:：()（）]+", "", text).lower()


def auto_mapping(headers: list[str], targets: dict[str, Target]) -> dict[str, str]:
    """{header: target name} for headers that name a field by its name, its label or a usual alias."""
    by_key: dict[str, str] = {}
    for target in targets.values():
        by_key.setdefault(_key(target.label), target.name)
        by_key.setdefault(_key(target.name), target.name)
        if target.name.startswith(CLIENT_CUSTOM_PREFIX):
            by_key.setdefault(_key(target.name[len(CLIENT_CUSTOM_PREFIX) :]), target.name)
    for alias, name in ALIASES.items():
        if name in targets:
            by_key.setdefault(_key(alias), name)
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        found = by_key.get(_key(header)) if header else None
        if found is not None and found not in taken:
            mapping[header] = found
            taken.add(found)
    return mapping


def check_mapping(headers: list[str], mapping: dict[str, str], targets: dict[str, Target]) -> None:
    """Every mapped header is in the file, every field known and mapped once; InvalidInput names each problem."""
    errors: list[FieldError] = []
    seen: dict[str, str] = {}
    for header, name in mapping.items():
        if header not in headers:
            errors.append(
                FieldError(
                    f"mapping.{header}", "UNKNOWN_COLUMN", f"the file has no column {header!r}"
                )
            )
        if name not in targets:
            errors.append(
                FieldError(
                    f"mapping.{header}",
                    "UNKNOWN_FIELD",
                    f"{name!r} is not a field that can be imported",
                )
            )
        elif targets[name].field in seen:
            errors.append(
                FieldError(
                    f"mapping.{header}",
                    "MAPPED_TWICE",
                    f"{targets[name].field} is already mapped from {seen[targets[name].field]!r}",
                )
            )
        else:
            seen[targets[name].field] = header
    if len(set(headers)) != len(headers):
        errors.append(
            FieldError("file", "DUPLICATE_HEADERS", "every column needs a different header")
        )
    if not mapping:
        errors.append(
            FieldError("mapping", "EMPTY_MAPPING", "map at least one column onto a field")
        )
    if errors:
        raise InvalidInput(errors)


class Members:
    """Members' ids by email, read once per import."""

    def __init__(self) -> None:
        self.by_email: dict[str, uuid.UUID] | None = None

    async def id_of(self, email: str) -> uuid.UUID | None:
        if self.by_email is None:
            rows = await tenant_connection().execute_query_dict(
                "SELECT lower(u.email) AS email, m.user_id FROM membership m JOIN app_user u ON u.id = m.user_id "
                "WHERE m.tenant_id = $1",
                [current_tenant_id()],
            )
            self.by_email = {row["email"]: row["user_id"] for row in rows}
        return self.by_email.get(email.strip().lower())


class CellError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _text(cell: Any) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # a phone number or id Excel keeps as a number
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return str(cell).strip()


def _boolean(cell: Any) -> bool:
    if isinstance(cell, bool):
        return cell
    text = _text(cell).lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise CellError("INVALID_BOOLEAN", f"{cell!r} is not yes or no")


def _list(cell: Any) -> list[str]:
    return [part.strip() for part in re.split(r"[;,；，]", _text(cell)) if part.strip()]


async def _moment(cell: Any) -> datetime:
    if isinstance(cell, datetime):
        moment = cell
    else:
        try:
            moment = datetime.fromisoformat(_text(cell))
        except ValueError:
            raise CellError(
                "INVALID_DATETIME", f"{cell!r} is not a date and time (ISO 8601)"
            ) from None
    if moment.tzinfo is None:  # spreadsheets keep no zone: the tenant's
        moment = moment.replace(tzinfo=(await current_settings()).zone())
    return moment


def _day(cell: Any) -> date:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = _text(cell).replace("/", "-")
    try:
        year, month, day = (int(part) for part in text.split("-"))
        return date(year, month, day)
    except ValueError:
        raise CellError("INVALID_DATE", f"{cell!r} is not a date (YYYY-MM-DD)") from None


async def convert(target: Target, cell: Any, members: Members) -> Any:
    """The value `cell` stands for in `target`'s write flow; CellError for what cannot be one."""
    if target.related is not None:
        return _text(cell)  # an id, a name or an external id: resolved for the whole batch
    if target.member:
        found = await members.id_of(_text(cell))
        if found is None:
            raise CellError("UNKNOWN_MEMBER", f"no member with email {_text(cell)!r}")
        return str(found)
    if target.field_type is not None:
        return await _custom(target.field_type, cell)
    kind = target.kind
    try:
        if kind is Kind.INT:
            number = Decimal(_text(cell))
            if number != number.to_integral_value():
                raise CellError("INVALID_NUMBER", f"{cell!r} is not a whole number")
            return int(number)
        if kind is Kind.DECIMAL:
            return Decimal(_text(cell))
    except InvalidOperation:
        raise CellError("INVALID_NUMBER", f"{cell!r} is not a number") from None
    if kind is Kind.BOOL:
        return _boolean(cell)
    if kind is Kind.DATE:
        return _day(cell)
    if kind is Kind.DATETIME:
        return await _moment(cell)
    if kind is Kind.TEXT_ARRAY:
        return _list(cell)
    return _text(cell)


async def _custom(field_type: FieldType, cell: Any) -> Any:
    if field_type is FieldType.BOOLEAN:
        return _boolean(cell)
    if field_type is FieldType.MULTI_SELECT:
        return _list(cell)
    if field_type is FieldType.DATE:
        return _day(cell).isoformat()
    if field_type is FieldType.DATETIME:
        return (await _moment(cell)).isoformat()
    if field_type in (
        FieldType.INTEGER,
        FieldType.DECIMAL,
        FieldType.PERCENT,
        FieldType.RATING,
        FieldType.CURRENCY,
    ):
        return cell if isinstance(cell, int | float) and not isinstance(cell, bool) else _text(cell)
    return _text(cell)
