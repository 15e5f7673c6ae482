"""The people directory: well-formed emails, unique ids, references that resolve."""

import pytest
from pydantic import ValidationError

from domain.people import Directory, Home, Person, Provider
from domain.roles import Role

PROVIDER = Provider(provider_id="PR-1", name="Northern Care")
HOME = Home(home_id="H-1", name="Elm House", cqc_location_id="1-101", provider_id="PR-1")


def person(person_id: str = "P-rm-1", email: str = "rm@example.org", **extra: object) -> Person:
    return Person.model_validate(
        {
            "person_id": person_id,
            "display_name": "Sam Reid",
            "email": email,
            "roles": {Role.REGISTERED_MANAGER},
            "home_id": "H-1",
            "provider_id": "PR-1",
            **extra,
        }
    )


def test_a_consistent_directory() -> None:
    directory = Directory(providers=(PROVIDER,), homes=(HOME,), people=(person(),))
    assert directory.person("P-rm-1") == person()
    assert directory.home("H-1") == HOME
    assert directory.holding(Role.REGISTERED_MANAGER) == (person(),)
    assert directory.holding(Role.OPS) == ()


@pytest.mark.parametrize("email", ["rm.example.org", "rm@example", "r m@example.org", "@x.org"])
def test_malformed_emails_are_refused(email: str) -> None:
    with pytest.raises(ValidationError, match="not a well-formed email address"):
        person(email=email)


def test_duplicates_and_dangling_references_are_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        Directory(
            providers=(PROVIDER,),
            homes=(HOME, HOME.model_copy(update={"home_id": "H-2", "provider_id": "PR-9"})),
            people=(
                person(),
                person(email="RM@example.org"),
                person("P-2", "p2@example.org", home_id="H-7"),
                person("P-3", "p3@example.org", home_id="H-2"),
            ),
        )
    message = str(refused.value)
    for problem in (
        "duplicate person id P-rm-1",
        "duplicate CQC location id 1-101",
        "duplicate email rm@example.org",
        "home H-2 names unknown provider PR-9",
        "person P-2 names unknown home H-7",
        "person P-3 works at home H-2 of provider PR-9, not PR-1",
    ):
        assert problem in message


def test_people_outside_homes_need_no_home() -> None:
    ops = person("P-ops-1", "ops@example.org", roles={Role.OPS}, home_id=None, provider_id=None)
    assert Directory(people=(ops,)).holding(Role.OPS) == (ops,)
