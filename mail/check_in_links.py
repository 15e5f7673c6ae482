"""One-click links in alumni check-in mails: the alumnus answers a short form in the
console without signing in. The link carries a token signed with the console's secret
(itsdangerous), naming the person and the check-in and nothing else, so it opens that
one form only; whether the check-in is still open is the alumni workflow's to say."""

from __future__ import annotations

from collections.abc import Callable

from itsdangerous import BadSignature, URLSafeSerializer

_SALT = "scls-alumni-check-in"
PATH = "/alumni/check-in"


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_SALT)


def check_in_token(secret: str, person_id: str, number: int) -> str:
    return _serializer(secret).dumps([person_id, number])


def read_check_in_token(secret: str, token: str) -> tuple[str, int] | None:
    """(person, check-in) of a token this secret signed; None for anything else."""
    try:
        person_id, number = _serializer(secret).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(person_id, str) or not isinstance(number, int):
        return None
    return person_id, number


def check_in_links(base_url: str, secret: Callable[[], str]) -> Callable[[str, int], str]:
    """The link maker the notification activity uses; the secret is read when a link is
    first made (a worker that never mails alumni never needs it)."""

    def link(person_id: str, number: int) -> str:
        return f"{base_url.rstrip('/')}{PATH}/{check_in_token(secret(), person_id, number)}"

    return link
