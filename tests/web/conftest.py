"""The web console on a real port (uvicorn in the test's event loop) against real
Postgres and the dev server, with a directory of people who can sign in, and Debian's
Chromium driven by Playwright. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from playwright.async_api import Browser, Page, async_playwright
from temporalio.testing import WorkflowEnvironment

from domain.people import Directory, Home, Person, Provider
from domain.roles import Role
from scls.settings import Settings, load_settings
from scls.stack.ports import free_port
from scls.stack.smtp_sink import SmtpSink
from scls.web.app import create_app
from scls.web.server import serve
from scls.web.services import WebServices
from store.directory import load_directory
from store.web_accounts import set_password

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PASSWORD = "correct horse battery"

pytestmark = pytest.mark.postgres


def _person(person_id: str, name: str, role: Role, home: str | None = None) -> Person:
    return Person(
        person_id=person_id,
        display_name=name,
        email=f"{person_id.lower()}@scls.test",
        roles=frozenset({role}),
        home_id=home,
        provider_id="PR-1" if home else None,
    )


DIRECTORY = Directory(
    providers=(Provider(provider_id="PR-1", name="Riverside Care"),),
    homes=(
        Home(home_id="H-1", name="Oak House", cqc_location_id="1-100", provider_id="PR-1"),
        Home(home_id="H-2", name="Elm Lodge", cqc_location_id="1-200", provider_id="PR-1"),
    ),
    people=(
        _person("P-ops-1", "Olu Ops", Role.OPS),
        _person("P-institute-1", "Ines Institute", Role.INSTITUTE_LEAD),
        _person("P-devlead-1", "Dev Lead", Role.DEVELOPMENT_LEAD),
        _person("P-coach-1", "Cora Coach", Role.COACH),
        _person("P-rm-1", "Rita Manager", Role.REGISTERED_MANAGER, "H-1"),
        _person("P-mentor-1", "Mo Mentor", Role.EMPLOYER_MENTOR, "H-1"),
        _person("P-assessor-1", "Asha Assessor", Role.ASSESSOR, "H-1"),
        _person("P-rm-2", "Ravi Manager", Role.REGISTERED_MANAGER, "H-2"),
        _person("P-mentor-2", "Max Mentor", Role.EMPLOYER_MENTOR, "H-2"),
        _person("P-assessor-2", "Ada Assessor", Role.ASSESSOR, "H-2"),
        _person("P-amy", "Amy Achieve", Role.PARTICIPANT, "H-1"),
        _person("P-ben", "Ben Begin", Role.PARTICIPANT, "H-2"),
    ),
)


@pytest.fixture
async def directory(pool: asyncpg.Pool) -> Directory:
    """Everyone in DIRECTORY, each with PASSWORD. The first is given it as ops give one;
    the rest get a copy of that hash: Argon2 takes a fifth of a second a person, and every
    console test paid it twelve times over."""
    await load_directory(pool, DIRECTORY)
    first, *others = (person.person_id for person in DIRECTORY.people)
    await set_password(pool, first, PASSWORD)
    await pool.execute(
        "INSERT INTO web_passwords (person_id, password_hash) "
        "SELECT person_id, (SELECT password_hash FROM web_passwords WHERE person_id = $1) "
        "FROM unnest($2::text[]) AS person_id",
        first,
        others,
    )
    return DIRECTORY


@pytest.fixture
def web_settings(tmp_path: Path, sink: SmtpSink) -> Settings:
    return load_settings(
        data_dir=tmp_path / "data",
        smtp_host=sink.host,
        smtp_port=sink.port,
        smtp_sender="scls@scls.test",
    )


@dataclass(frozen=True)
class Console:
    url: str
    settings: Settings


@pytest.fixture
async def console(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment, web_settings: Settings, directory: Directory
) -> AsyncIterator[Console]:
    async def connect():  # type: ignore[no-untyped-def]
        return dev_env.client

    app = create_app(WebServices(pool=pool, settings=web_settings, connect=connect), "test-secret")
    port = free_port()
    stop, started = asyncio.Event(), asyncio.Event()
    serving = asyncio.create_task(serve(app, "127.0.0.1", port, stop, started))
    started_or_failed = asyncio.create_task(started.wait())
    await asyncio.wait({started_or_failed, serving}, return_when=asyncio.FIRST_COMPLETED)
    assert started.is_set(), "the web console did not start"
    try:
        yield Console(url=f"http://127.0.0.1:{port}", settings=web_settings)
    finally:
        stop.set()
        await serving


@pytest.fixture(scope="session")
def chromium() -> Path:
    assert CHROMIUM.is_file(), "Chromium is missing: apt-get install -y chromium"
    return CHROMIUM


@pytest.fixture(scope="session")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(chromium))
        try:
            yield launched
        finally:
            await launched.close()


# What Chromium refused under the console's Content-Security-Policy during a test: an
# inline style or script left in a template shows up here, and fails the test.
CSP_VIOLATIONS: list[str] = []


@pytest.fixture(autouse=True)
def no_csp_violations() -> Iterator[None]:
    CSP_VIOLATIONS.clear()
    yield
    assert not CSP_VIOLATIONS, CSP_VIOLATIONS


async def new_page(browser: Browser, *, phone: bool = False) -> Page:
    """A fresh browser context (its own cookies), desktop or phone sized."""
    size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = await browser.new_context(viewport=size)
    page = await context.new_page()
    page.on(
        "console",
        lambda message: (
            CSP_VIOLATIONS.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return page


async def sign_in(page: Page, url: str, login: str, lands_on: str = "/tasks") -> None:
    await page.goto(f"{url}/sign-in")
    await page.get_by_label("Email", exact=True).first.fill(login)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{url}{lands_on}")


async def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    """The whole page, or (`full_page=False`) the window where it is scrolled to: a long
    page's one section."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)
