"""Every connection of the schema pages both ways, and the two ways agree, on real data.

Walked from the schema, so a new connection is covered: each root connection, and each
connection inside a Node type (read through node(id:) on the instance with the longest list),
is read forward (`first`/`after`) and then backward from where the forward walk stopped
(`last`/`before`): the backward walk must meet exactly the same entries (their cursors) in
reverse, with pageInfo telling the truth at both ends."""

from __future__ import annotations

import uuid

import pytest
from graphql import GraphQLNonNull, GraphQLObjectType, Undefined

from api.schema import schema
from tests.support.custom import create_record, make_object
from tests.support.graphql import api_schema, gql
from tests.support.records import make_contact, make_customer

SIZE = 2
MAX_PAGES = 4
PAGE = "edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
# Connection fields whose required arguments name a tenant's definitions: the walk passes the
# fixture's object (and its relation to Customer), and skips types nothing points at.
NEEDS_DEFINITIONS = {"relatedRecords"}


def _unwrap(t):
    while isinstance(t, GraphQLNonNull):
        t = t.of_type
    return t


def _is_connection(field) -> bool:
    t = _unwrap(field.type)
    return isinstance(t, GraphQLObjectType) and {"edges", "pageInfo"} <= set(t.fields)


def _connections(type_name: str) -> list[tuple[str, list[str]]]:
    """(field, names of its required arguments other than paging) of a type's connections."""
    # The executable schema: it keeps arguments' defaults, which the SDL's rebuild drops.
    t = schema._schema.type_map[type_name]
    return [
        (
            name,
            [
                a
                for a, arg in field.args.items()
                if isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
            ],
        )
        for name, field in t.fields.items()
        if _is_connection(field)
    ]


def _node_types_with_connections() -> list[str]:
    return sorted(
        t.name
        for t in api_schema().type_map.values()
        if isinstance(t, GraphQLObjectType)
        and any(i.name == "Node" for i in t.interfaces)
        and _connections(t.name)
    )


class Walk:
    """Reads one connection, root (`parent` None) or inside the node `parent`."""

    def __init__(self, client, token, field, extra="", parent=None, on_type=None):
        self.client, self.token, self.field, self.extra = client, token, field, extra
        self.parent, self.on_type = parent, on_type

    async def page(self, **args) -> dict:
        paging = ", ".join(f"{k}: {v!r}".replace("'", '"') for k, v in args.items())
        arguments = ", ".join(a for a in (self.extra, paging) if a)
        selection = f"{self.field}({arguments}) {{ {PAGE} }}"
        if self.parent is None:
            response = await gql(self.client, f"{{ {selection} }}", token=self.token)
            return response.data[self.field]
        response = await gql(
            self.client,
            f"query($id: ID!) {{ node(id: $id) {{ ... on {self.on_type} {{ {selection} }} }} }}",
            {"id": self.parent},
            token=self.token,
        )
        return response.data["node"][self.field]

    async def check(self) -> int:
        """Walks forward then back; returns how many entries the forward walk met."""
        forward, end, reached_end = [], None, False
        for _ in range(MAX_PAGES):
            args = {"first": SIZE} | ({"after": end} if end else {})
            page = await self.page(**args)
            cursors = [e["cursor"] for e in page["edges"]]
            info = page["pageInfo"]
            assert info["hasPreviousPage"] == (end is not None), (self.field, info)
            if cursors:
                assert (info["startCursor"], info["endCursor"]) == (cursors[0], cursors[-1])
                end = cursors[-1]
            forward += cursors
            if not info["hasNextPage"]:
                reached_end = True
                break
        if not forward:
            page = await self.page(last=SIZE)
            assert page["edges"] == [] and not page["pageInfo"]["hasPreviousPage"]
            return 0
        backward, start = [], end
        for _ in range(MAX_PAGES + 1):
            page = await self.page(last=SIZE, before=start)
            cursors = [e["cursor"] for e in page["edges"]]
            info = page["pageInfo"]
            assert info["hasNextPage"], (self.field, info)  # there is `start` after it
            backward = cursors + backward
            if not info["hasPreviousPage"]:
                break
            start = cursors[0]
        assert backward == forward[:-1], self.field
        # From the end without a cursor: the last entries, and nothing after them.
        tail = await self.page(last=SIZE)
        tail_cursors = [e["cursor"] for e in tail["edges"]]
        assert not tail["pageInfo"]["hasNextPage"], self.field
        assert tail["pageInfo"]["hasPreviousPage"] == (len(forward) > SIZE or not reached_end)
        if reached_end:
            assert tail_cursors == forward[-SIZE:], self.field
        return len(forward)


@pytest.fixture
async def busy_customer(client, as_alpha):
    """A customer with several contacts, tickets, activities, changes and records of a custom
    object that point at it."""
    admin = as_alpha["admin"]
    marker = uuid.uuid4().hex[:8]
    customer = await make_customer(client, admin, name=f"Busy {marker}")
    orders = await make_object(
        client,
        admin,
        [{"apiName": "customer", "type": "RELATION", "config": {"target": "Customer"}}],
        stem="orders",
    )
    for n in range(5):
        created = await create_record(client, admin, orders, {"customer": customer["id"]})
        assert created.data
        await make_contact(client, admin, name=f"Contact {marker} {n}", customerId=customer["id"])
        await gql(
            client,
            "mutation($i: CreateTicketInput!) { createTicket(input: $i) { id } }",
            {"i": {"subject": f"Ticket {marker} {n}", "customerId": customer["id"]}},
            token=admin,
        )
        await gql(
            client,
            "mutation($i: LogActivityInput!) { logActivity(input: $i) { id } }",
            {"i": {"recordId": customer["id"], "kind": "NOTE", "subject": f"Note {n}"}},
            token=admin,
        )
        version = (
            await gql(
                client,
                "query($id: ID!) { node(id: $id) { ... on Customer { version } } }",
                {"id": customer["id"]},
                token=admin,
            )
        ).data["node"]["version"]
        await gql(
            client,
            "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { id } }",
            {"i": {"id": customer["id"], "version": version, "region": f"R{n}"}},
            token=admin,
        )
    return {**customer, "object": orders}


def _required_args(field: str, required: list[str], on_type: str, busy: dict) -> str | None:
    """Arguments for a connection's required ones, from the fixture's data; None if none fit."""
    if not required:
        return ""
    if required == ["object"] and field == "records":
        return f'object: "{busy["object"]}"'
    if required == ["recordId"]:
        return f'recordId: "{busy["id"]}"'
    if sorted(required) == ["field", "object"] and on_type == "Customer":
        return f'object: "{busy["object"]}", field: "customer"'
    return None


async def test_every_root_connection_pages_both_ways(client, as_alpha, busy_customer):
    admin = as_alpha["admin"]
    walked, skipped = {}, set()
    for field, required in _connections("Query"):
        extra = _required_args(field, required, "Query", busy_customer)
        if extra is None:
            skipped.add(field)
            continue
        walked[field] = await Walk(client, admin, field, extra).check()
    assert not skipped, skipped
    assert {"contacts", "tickets", "activities", "records"} <= {
        f for f, n in walked.items() if n >= SIZE * 2
    }


async def test_every_connection_inside_a_node_pages_both_ways(client, as_alpha, busy_customer):
    admin = as_alpha["admin"]
    walked, skipped = {}, set()
    for type_name in _node_types_with_connections():
        for field, required in _connections(type_name):
            extra = _required_args(field, required, type_name, busy_customer)
            if extra is None:
                assert field in NEEDS_DEFINITIONS, (type_name, field, required)
                skipped.add((type_name, field))
                continue
            parent = await _busiest(client, admin, type_name, field, extra, busy_customer["id"])
            if parent is None:
                skipped.add((type_name, field))
                continue
            walked[(type_name, field)] = await Walk(
                client, admin, field, extra, parent=parent, on_type=type_name
            ).check()
    for field in ("contacts", "tickets", "history", "timeline", "fullTimeline", "relatedRecords"):
        assert walked[("Customer", field)] >= 5, field


ROOT_LISTS = {
    "Customer": "customers",
    "Contact": "contacts",
    "Lead": "leads",
    "Opportunity": "opportunities",
    "Ticket": "tickets",
    "Team": "teams",
}


async def _busiest(client, token, type_name, field, extra, customer_id) -> str | None:
    """The instance of `type_name` with the longest `field` list (the busy customer for
    customers), among the newest of the root list that shows it."""
    if type_name == "Customer":
        return customer_id
    root = ROOT_LISTS.get(type_name)
    if root is None:
        return None
    args = f"({extra})" if extra else ""
    data = (
        await gql(
            client,
            f"{{ {root}(first: 50, orderBy: [{{createdAt: DESC}}]) "
            f"{{ edges {{ node {{ id {field}{args} {{ totalCount }} }} }} }} }}",
            token=token,
        )
    ).data[root]["edges"]
    if not data:
        return None
    return max(data, key=lambda e: e["node"][field]["totalCount"])["node"]["id"]
