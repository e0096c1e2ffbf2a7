"""Email over SMTP (the operator's server; `make dev` runs a local one that keeps every message
under .data/mail). smtplib runs in a thread so the event loop never waits on the mail server."""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import unquote, urlsplit

from domain.outbound.config import outbound_config


class MailNotConfigured(RuntimeError):
    pass


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str = "text"
    subtype: str = "csv"


def build_message(
    to: list[str],
    subject: str,
    body: str,
    message_id: str,
    attachments: tuple[Attachment, ...] = (),
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = outbound_config().mail_from
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    # The same id on every attempt of the same step: mail systems and readers can drop repeats.
    message["Message-ID"] = f"<{message_id}@tessera>"
    message.set_content(body)
    for item in attachments:
        message.add_attachment(
            item.content, maintype=item.maintype, subtype=item.subtype, filename=item.filename
        )
    return message


async def send_mail(
    to: list[str],
    subject: str,
    body: str,
    *,
    message_id: str,
    attachments: tuple[Attachment, ...] = (),
) -> None:
    url = outbound_config().smtp_url
    if not url:
        raise MailNotConfigured("email is not configured on this server (SMTP_URL)")
    message = build_message(to, subject, body, message_id, attachments)
    await asyncio.to_thread(_deliver, url, message, outbound_config().timeout_seconds)


def _deliver(url: str, message: EmailMessage, timeout: float) -> None:
    parts = urlsplit(url)
    secure = parts.scheme == "smtps"
    smtp_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
    with smtp_class(
        parts.hostname or "127.0.0.1", parts.port or (465 if secure else 25), timeout=timeout
    ) as smtp:
        if not secure:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls()
                smtp.ehlo()
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(message)
