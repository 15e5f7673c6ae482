-- Interventions: each participant's current home (a move changes it), so a move can be
-- checked against how many scheme participants the new home has; and the case files
-- the intervention workflows keep, one row per case.
ALTER TABLE participant_progress ADD COLUMN home_id text;
UPDATE participant_progress SET home_id = COALESCE(state->>'placement_home', state->'enrolment'->>'home_id');
CREATE INDEX participant_progress_home ON participant_progress (home_id, status);

CREATE TABLE intervention_case (
    case_key        text PRIMARY KEY,          -- <participant>-<case number>
    participant_id  text NOT NULL,
    case_number     integer NOT NULL,
    cohort_id       text NOT NULL,
    kind            text NOT NULL,
    severity        text NOT NULL,
    stage           text NOT NULL,
    outcome         text,
    opened_at       timestamptz NOT NULL,
    closed_at       timestamptz,
    version         integer NOT NULL,
    state           jsonb NOT NULL,
    updated_at      timestamptz NOT NULL
);

CREATE INDEX intervention_case_participant ON intervention_case (participant_id, case_number);
CREATE INDEX intervention_case_open ON intervention_case (stage, opened_at);
