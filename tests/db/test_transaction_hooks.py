"""Work outside the database that follows a tenant transaction's outcome (tenants.context's
after_commit / after_rollback): commit actions run once the outermost transaction has committed,
never for a savepoint rolled back; rollback actions run for whatever was undone."""

from __future__ import annotations

import uuid

import pytest

from tenants.context import after_commit, after_rollback, tenant_transaction


class Undone(Exception):
    pass


def recorder(log: list[str], name: str):
    async def action() -> None:
        log.append(name)

    return action


async def test_commit_actions_wait_for_the_outermost_commit(app, tenants):
    alpha, log = uuid.UUID(tenants["alpha"].id), []
    async with tenant_transaction(alpha):
        after_commit(recorder(log, "outer"))
        after_rollback(recorder(log, "never"))
        async with tenant_transaction(alpha):  # a savepoint that is released
            after_commit(recorder(log, "inner"))
        assert log == []  # nothing before the outermost commit
    assert log == ["outer", "inner"]


async def test_a_rolled_back_savepoint_undoes_only_its_own(app, tenants):
    alpha, log = uuid.UUID(tenants["alpha"].id), []
    async with tenant_transaction(alpha):
        after_commit(recorder(log, "kept"))
        with pytest.raises(Undone):
            async with tenant_transaction(alpha):
                after_commit(recorder(log, "dropped"))
                after_rollback(recorder(log, "undone inner"))
                raise Undone
        assert log == ["undone inner"]  # at once: that work is gone whatever comes next
    assert log == ["undone inner", "kept"]


async def test_a_rolled_back_transaction_runs_its_rollback_actions(app, tenants):
    alpha, log = uuid.UUID(tenants["alpha"].id), []
    with pytest.raises(Undone):
        async with tenant_transaction(alpha):
            after_commit(recorder(log, "never"))
            after_rollback(recorder(log, "undone"))
            raise Undone
    assert log == ["undone"]


async def test_a_failing_action_does_not_fail_the_committed_work(app, tenants):
    alpha, log = uuid.UUID(tenants["alpha"].id), []

    async def broken() -> None:
        raise OSError("the store is down")

    async with tenant_transaction(alpha):
        after_commit(broken)
        after_commit(recorder(log, "next"))
    assert log == ["next"]
