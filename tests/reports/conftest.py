"""Report tests read dates on the tenant's calendar: each starts with alpha in UTC, weeks from
Monday, whatever earlier tests of the session set."""

from __future__ import annotations

import pytest

from tests.reports.support import set_calendar


@pytest.fixture(autouse=True)
async def alpha_in_utc(client, as_alpha):
    await set_calendar(client, as_alpha["admin"], "UTC")
    yield
    await set_calendar(client, as_alpha["admin"], "UTC")
