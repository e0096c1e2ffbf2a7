"""Describing a record type: its table and the fields clients may filter and sort on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from functools import cached_property
from typing import Any

from domain.identity.principal import Principal
from domain.records.naming import register
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
    UUID_ARRAY = "uuid_array"
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
    name: str  # the domain's name (snake_case; the API shows it in camelCase)
    column: str
    kind: Kind
    filterable: bool = True
    sortable: bool = False
    references: Reference | None = None
    # Fields kept inside a JSONB column (custom fields): the keys leading to the value. Keys are
    # validated identifiers (custom field api names), so they may be spliced into SQL.
    json_path: tuple[str, ...] = ()
    # A value read through a relation (customer.tier): SQL with `<t>` standing for the table alias,
    # built from validated names only.
    lookup: str | None = None

    @property
    def key(self) -> str:
        """The field's place in a row: its column, or column.key... for a JSONB value."""
        return ".".join((self.column, *self.json_path))

    def sql(self, alias: str) -> str:
        """The SQL expression of the field's value for table alias `alias` (none: unqualified,
        as in index definitions, which must spell the expression exactly as queries do)."""
        if self.lookup is not None:
            return self.lookup.replace("<t>", alias)
        column = f"{alias}.{self.column}" if alias else self.column
        if not self.json_path:
            return column
        path = "{" + ",".join(self.json_path) + "}"
        if self.kind in (Kind.TEXT_ARRAY, Kind.JSON):
            return f"({column} #> '{path}')"
        text = f"({column} #>> '{path}')"
        cast = _JSON_CASTS.get(self.kind)
        return f"{text}::{cast}" if cast else text

    def read(self, row: dict[str, Any]) -> Any:
        """The field's value in a decoded row."""
        value = row.get(self.column)
        for key in self.json_path:
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None and self.json_path and self.kind is Kind.DECIMAL:
            return Decimal(str(value))
        return value


# Casts of JSONB text for comparisons; all immutable, so expression indexes can use them. Dates and
# times are stored as ISO 8601 text (UTC for datetimes), which sorts and compares as text.
_JSON_CASTS = {Kind.DECIMAL: "numeric", Kind.INT: "numeric", Kind.BOOL: "boolean"}


# How the custom fields of standard records are named in filters, sorting and the audit trail:
# custom_fields.<api name>, the api name being the tenant's (data, never converted).
CUSTOM_FIELDS_PREFIX = "custom_fields."


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
    default_sort: str = "created_at"  # oldest first unless the client asks otherwise
    # Has a `search_vector` column (text search by name, email, phone...; migrations 0004 and 0015).
    searchable: bool = False
    # The JSONB column whose every text value the search vector holds (custom records' `data`):
    # searches by callers with hidden fields there are checked again without them.
    search_values: str | None = None
    # Called with the locked row before a soft delete; raises to refuse it (e.g. still in use).
    delete_guard: Callable[[dict[str, Any]], Awaitable[None]] | None = None
    # Unique indexes (by name) and the field each protects, for a clear error instead of a crash.
    unique: dict[str, str] = field(default_factory=dict)
    rights: Rights = field(default_factory=dict)
    # JSONB columns audited key by key ({column: prefix}): each custom field's old and new value.
    audit_by_key: dict[str, str] = field(
        default_factory=lambda: {"custom_fields": CUSTOM_FIELDS_PREFIX}
    )
    # False for the specs of custom objects: their field names are the tenant's data.
    names_are_vocabulary: bool = True
    _by_name: dict[str, FieldSpec] = field(init=False, repr=False, compare=False)
    # The first field stored in each column (several may read one column, e.g. a JSON path).
    _by_column: dict[str, FieldSpec] = field(init=False, repr=False, compare=False)
    # Columns holding JSON, which asyncpg hands over as text (decoded by rows.decode_row).
    json_columns: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {f.name: f for f in self.fields})
        if self.names_are_vocabulary:
            register(self._by_name)
        by_column: dict[str, FieldSpec] = {}
        for f in self.fields:
            by_column.setdefault(f.column, f)
        object.__setattr__(self, "_by_column", by_column)
        object.__setattr__(
            self,
            "json_columns",
            tuple(dict.fromkeys(f.column for f in self.fields if f.kind is Kind.JSON)),
        )

    def field(self, name: str) -> FieldSpec:
        return self._by_name[name]

    def has(self, name: str) -> bool:
        return name in self._by_name

    @cached_property
    def columns(self) -> tuple[str, ...]:
        """The columns reads fetch: the spec's own, not derived ones such as search vectors."""
        columns = ["tenant_id", *(f.column for f in self.fields if f.lookup is None)] + (
            ["deleted_at"] if self.soft_delete else []
        )
        return tuple(dict.fromkeys(columns))

    @property
    def select_list(self) -> str:
        return ", ".join(f"t.{column}" for column in self.columns)

    def name_of(self, column: str) -> str:
        found = self._by_column.get(column)
        return column if found is None else found.name

    def kind_of(self, column: str) -> Kind | None:
        """The kind of the first field stored in `column`; None for a column no field names."""
        found = self._by_column.get(column)
        return None if found is None else found.kind

    def require(self, principal: Principal, action: Action) -> None:
        require(principal, self.record_type, self.scope_area, self.rights, action)


# Present on every record table (see RECORD_COLUMNS in the migrations).
COMMON_FIELDS = (
    FieldSpec("id", "id", Kind.UUID),
    FieldSpec("version", "version", Kind.INT, filterable=False),
    FieldSpec("created_at", "created_at", Kind.DATETIME, sortable=True),
    FieldSpec("updated_at", "updated_at", Kind.DATETIME, sortable=True),
    FieldSpec("created_by", "created_by", Kind.UUID),
    FieldSpec("updated_by", "updated_by", Kind.UUID),
)
OWNERSHIP_FIELDS = (
    FieldSpec("owner_id", "owner_id", Kind.UUID, references=MEMBER),
    FieldSpec("team_id", "team_id", Kind.UUID, references=TEAM),
)
