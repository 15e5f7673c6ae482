-- Read model: each participant's state, folded from their events by the domain's evolve.
CREATE TABLE participant_progress (
    participant_id  text PRIMARY KEY,
    cohort_id       text NOT NULL,
    phase           text,
    status          text NOT NULL,
    rag             text NOT NULL,
    next_due        timestamptz,
    expected_end    timestamptz,
    version         integer NOT NULL,
    state           jsonb NOT NULL,
    updated_at      timestamptz NOT NULL
);

CREATE INDEX participant_progress_cohort ON participant_progress (cohort_id, phase);
