"""A faster executor for our strawberry schema, with the same results as graphql-core's.

graphql-core resolves every field through generic machinery: a resolve info object, strawberry's
resolver wrappers and a type dispatch for every value. A list of 50 records with a few related
names is about 550 fields, and that machinery cost more than the database work behind them.
FastExecutor plans each selection once per operation (plan.py) and then takes shortcuts for the
common cases:

- a field without a resolver or extensions (strawberry's "basic field") reads its attribute, and a
  scalar or enum value is coerced in place;
- a resolver without arguments or field extensions (permission classes are extensions) is called
  directly, the way strawberry calls it, without strawberry's wrappers;
- relay's `id` is built in place when the type keeps relay's own resolve_id and resolve_typename;
- object and list values are completed without a resolve info for every value;
- an object that already knows a resolver field's value (a list read the related records with
  its page, see api/records/prefetch.py) carries it in `_prefetched` (the `Prefetched` mixin), and
  the resolver is not called.

Anything else (arguments, permission classes, abstract types, errors, nulls where they are not
allowed, @defer/@stream, schema extensions with a `resolve` hook, exception handlers) goes through
graphql-core's own methods with the same inputs, so results and errors are theirs.
A field whose resolver answered its whole selection as JSON (`CompiledJson`, the compiled reads of
api/records/compiled.py) is taken as that text, written into the response as it is.
`tests/api/test_execution.py` sends the same documents to both executors and compares.
"""

from api.execution.compiled import CompiledJson
from api.execution.executor import FastExecutor
from api.execution.plan import Prefetched, default_relay_id

__all__ = ["CompiledJson", "FastExecutor", "Prefetched", "default_relay_id"]
