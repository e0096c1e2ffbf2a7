"""Describing a record type: its table and the fields clients may filter and sort on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from domain.identity.principal import Principal
from domain.records.rights import Action, Rights, require


class Kind(str, Enum):
    TEXT = "text"
    INT = "int"
    DECIMAL = "decimal"
    BOOL = "bool"
    DATETIME = "datetime"
    DATE = "date"
    UUID = "uuid"
    TEXT_ARRAY = "text_array"
    JSON = "json"


@dataclass(frozen=True)
class Reference:
    """The column points at a row of `table` (found by `key`) that must exist in the tenant."""

    table: str
    key: str = "id"
    soft_delete: bool = True
    label: str = "record"
    # Owned targets (customers, contacts...) must also be visible to the caller: nobody links
    # records to ones they may not see.
    owned: bool = False


MEMBER = Reference("membership", key="user_id", soft_delete=False, label="member")
TEAM = Reference("team", label="team")


@dataclass(frozen=True)
class FieldSpec:
    name: str  # the name clients use (camelCase in GraphQL, mapped by the API)
    column: str
    kind: Kind
    filterable: bool = True
    sortable: bool = False
    references: Reference | None = None


@dataclass(frozen=True)
class RecordSpec:
    record_type: str  # also the GraphQL type name and the audit trail's record_type
    table: str
    fields: tuple[FieldSpec, ...]
    # Owned records carry owner_id and team_id, which drive record visibility.
    owned: bool = True
    # Soft-deletable records carry deleted_at; lists and lookups skip deleted ones.
    soft_delete: bool = True
    # API token scope area (`crm` -> crm:read / crm:write) and what each role may do.
    scope_area: str | None = "crm"
    default_sort: str = "createdAt"  # oldest first unless the client asks otherwise
    # Has a `search_vector` column (text search by name, email, phone...).
    searchable: bool = False
    # Called with the locked row before a soft delete; raises to refuse it (e.g. still in use).
    delete_guard: Callable[[dict[str, Any]], Awaitable[None]] | None = None
    # Unique indexes (by name) and the field each protects, for a clear error instead of a crash.
    unique: dict[str, str] = field(default_factory=dict)
    rights: Rights = field(default_factory=dict)
    _by_name: dict[str, FieldSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {f.name: f for f in self.fields})

    def field(self, name: str) -> FieldSpec:
        return self._by_name[name]

    def has(self, name: str) -> bool:
        return name in self._by_name

    @property
    def select_list(self) -> str:
        """The columns reads fetch: the spec's own, not derived ones such as search vectors."""
        columns = ["tenant_id", *(f.column for f in self.fields)] + (["deleted_at"] if self.soft_delete else [])
        return ", ".join(f"t.{column}" for column in dict.fromkeys(columns))

    def name_of(self, column: str) -> str:
        return next((f.name for f in self.fields if f.column == column), column)

    def require(self, principal: Principal, action: Action) -> None:
        require(principal, self.record_type, self.scope_area, self.rights, action)


# Present on every record table (see RECORD_COLUMNS in the migrations).
COMMON_FIELDS = (
    FieldSpec("id", "id", Kind.UUID),
    FieldSpec("version", "version", Kind.INT, filterable=False),
    FieldSpec("createdAt", "created_at", Kind.DATETIME, sortable=True),
    FieldSpec("updatedAt", "updated_at", Kind.DATETIME, sortable=True),
    FieldSpec("createdBy", "created_by", Kind.UUID),
    FieldSpec("updatedBy", "updated_by", Kind.UUID),
)
OWNERSHIP_FIELDS = (
    FieldSpec("ownerId", "owner_id", Kind.UUID, references=MEMBER),
    FieldSpec("teamId", "team_id", Kind.UUID, references=TEAM),
)
