"""The reference connector: a REST ERP with customers and orders.

    GET  /customers?after=<cursor>&limit=N   {"items": [{"id", "name", "region", "industry", "updated_at"}], "next": cursor, "more": bool}
    POST /customers                           {"name", ...} with Idempotency-Key: <Tessera id>  -> {"id", ...}
    PUT  /customers/<id>                      {"name", ...}
    GET  /orders?after=<cursor>&limit=N      {"items": [{"id", "customer_id", "amount", "status", "opportunity_ref",
                                                          "paid_at", "updated_at"}], "next", "more"}

Every call carries `Authorization: Bearer <credentials>` and goes through the SSRF guard."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from domain.integrations.sync.connector import ConnectorError, ExternalChange, Page
from domain.outbound.guard import guarded_client

PAGE_SIZE = 100


class RestErpConnector:
    streams: tuple[str, ...] = ("customers", "orders")

    def __init__(self, base_url: str, credentials: str | None) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = {"authorization": f"Bearer {credentials}"} if credentials else {}

    async def _call(
        self, method: str, path: str, extra_headers: dict[str, str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        try:
            async with guarded_client() as client:
                response = await client.request(
                    method,
                    self.base_url + path,
                    headers={**self.headers, **(extra_headers or {})},
                    **kwargs,
                )
        except httpx.HTTPError as exc:
            raise ConnectorError(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 300:
            raise ConnectorError(
                f"{method} {path} answered {response.status_code}: {response.text[:200]}"
            )
        answer: dict[str, Any] = response.json()
        return answer

    async def pull(self, stream: str, cursor: str | None) -> Page:
        answer = await self._call(
            "GET", f"/{stream}", params={"after": cursor or "", "limit": PAGE_SIZE}
        )
        changes = [
            ExternalChange(
                external_id=str(item["id"]),
                data=item,
                updated_at=datetime.fromisoformat(item["updated_at"])
                if item.get("updated_at")
                else None,
            )
            for item in answer.get("items", [])
        ]
        return Page(
            changes=changes, cursor=answer.get("next") or cursor, more=bool(answer.get("more"))
        )

    async def push_customer(
        self, external_id: str | None, values: dict[str, Any], *, tessera_id: str
    ) -> str:
        if external_id is None:
            created = await self._call(
                "POST", "/customers", json=values, extra_headers={"idempotency-key": tessera_id}
            )
            return str(created["id"])
        await self._call("PUT", f"/customers/{external_id}", json=values)
        return external_id
