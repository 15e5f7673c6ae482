"""Every message a workflow takes keeps the name workflows/messages.py gives it: the names
are in recorded histories and in running workflows' requests, so a renamed handler method
must fail here, before a deploy strands the workflows that wait for it."""

from __future__ import annotations

from temporalio.workflow import _Definition

import workflows.messages as messages
from workflows import WORKFLOWS


def _declared() -> set[str]:
    return {
        value for name, value in vars(messages).items() if name.isupper() and isinstance(value, str)
    }


def test_every_handler_answers_to_a_name_in_the_messages_module() -> None:
    registered: set[str] = set()
    for workflow_class in WORKFLOWS:
        definition = _Definition.from_class(workflow_class)
        assert definition is not None
        for kind in (definition.signals, definition.queries, definition.updates):
            names = set(kind)
            missing = names - _declared()
            assert not missing, f"{definition.name}: {sorted(missing)} not in workflows/messages.py"
            registered |= names
    assert _declared() == registered, "workflows/messages.py names a message no workflow takes"
