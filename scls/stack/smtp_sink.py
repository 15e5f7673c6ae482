"""The local SMTP sink of `scls dev`: accepts every mail and keeps it, sends nothing on.

Mail lands in a Maildir at `<data_dir>/mail/` (each message one file under `new/`), so
it can be read with `cat`, `mutt -f <data_dir>/mail`, or `messages()` in tests. The
server (aiosmtpd) runs on its own thread and event loop, so `start` and `stop` block;
call them through `asyncio.to_thread` from async code.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from scls.logging import get_logger
from scls.stack.errors import StackError

HOST = "127.0.0.1"
MAIL_FOLDER = "mail"

log = get_logger(__name__)


class _KeepInMaildir:
    def __init__(self, maildir: mailbox.Maildir) -> None:
        self._maildir = maildir

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        # What the envelope said, as a delivering server would record it: the To header
        # need not name every recipient.
        trace = "".join(f"Delivered-To: {rcpt}\r\n" for rcpt in envelope.rcpt_tos)
        trace = f"Return-Path: <{envelope.mail_from}>\r\n" + trace
        self._maildir.add(trace.encode() + content)
        log.debug("mail kept", recipients=len(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self, data_dir: Path, *, port: int, host: str = HOST) -> None:
        self.folder = data_dir / MAIL_FOLDER
        self.host = host
        self.port = port
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def new_mail(self) -> Path:
        """Where mail not yet read lands (a Maildir's `new/`)."""
        return self.folder / "new"

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is not None:
            return
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        maildir = mailbox.Maildir(self.folder, create=True)
        # A fresh controller per start: a stopped one keeps its closed event loop.
        controller = Controller(_KeepInMaildir(maildir), hostname=self.host, port=self.port)
        try:
            controller.start()
        except OSError as error:
            raise StackError(
                f"the SMTP sink cannot listen on {self.host}:{self.port} ({error}); "
                "stop what uses it or set SCLS_SMTP_PORT to a free port"
            ) from error
        self._controller = controller
        log.info("smtp sink started", url=self.url, folder=str(self.folder))

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()
            log.info("smtp sink stopped", url=self.url)

    def messages(self) -> list[EmailMessage]:
        """Every message kept so far, oldest first, parsed."""
        files = [
            path
            for sub in ("new", "cur")
            if (self.folder / sub).is_dir()
            for path in (self.folder / sub).iterdir()
            if not path.name.startswith(".")
        ]
        files.sort(key=lambda path: (path.stat().st_mtime_ns, path.name))
        return [_parse(path.read_bytes()) for path in files]


def _parse(raw: bytes) -> EmailMessage:
    parsed: Any = email.message_from_bytes(raw, policy=email.policy.default)
    message: EmailMessage = parsed
    return message
