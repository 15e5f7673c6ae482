-- Read model: every open task of every participant, one row each, for managers' inboxes.
-- Kept by store/inbox.py from the participant's folded state, in the append transaction.
-- Nothing that depends on the clock is stored: overdue (due_at <= now) and who may decide
-- for an assignee now (task_delegation's window) are worked out when the inbox is read.
CREATE TABLE task_inbox (
    participant_id    text NOT NULL,
    task_id           text NOT NULL,
    cohort_id         text,
    kind              text NOT NULL,
    title             text NOT NULL,
    phase             text,
    assignee          text NOT NULL,          -- person id
    role              text NOT NULL,
    opened_at         timestamptz NOT NULL,
    due_at            timestamptz NOT NULL,
    escalation_level  integer NOT NULL,      -- escalations sent so far
    PRIMARY KEY (participant_id, task_id)
);

-- Each index answers one inbox question in due order with a range scan and no sort:
-- "my open tasks" (the hot one), a role's, a cohort's, one kind across the scheme, and
-- the unfiltered list (whose overdue part is the range due_at <= now).
CREATE INDEX task_inbox_by_assignee ON task_inbox (assignee, due_at);
CREATE INDEX task_inbox_by_role ON task_inbox (role, due_at);
CREATE INDEX task_inbox_by_cohort ON task_inbox (cohort_id, due_at);
CREATE INDEX task_inbox_by_kind ON task_inbox (kind, due_at);
CREATE INDEX task_inbox_by_due ON task_inbox (due_at);

-- Delegations on each participant, as granted: from_person's tasks on that participant may
-- be decided by to_person in [starts_at, until). The window is checked against the clock
-- at read time; when two windows overlap the later grant (higher delegation_id) wins, as
-- in the domain's ParticipantState.delegate_of.
CREATE TABLE task_delegation (
    participant_id  text NOT NULL,
    delegation_id   integer NOT NULL,
    from_person     text NOT NULL,
    to_person       text NOT NULL,
    starts_at       timestamptz NOT NULL,
    until           timestamptz NOT NULL,
    granted_by      text NOT NULL,
    ended           boolean NOT NULL,
    PRIMARY KEY (participant_id, delegation_id)
);

-- "What has been delegated to me": the deputy's side of the assignee filter.
CREATE INDEX task_delegation_to ON task_delegation (to_person, until);
-- "Who stands in for this assignee on this participant": each inbox row's delegate.
CREATE INDEX task_delegation_from ON task_delegation (participant_id, from_person);
