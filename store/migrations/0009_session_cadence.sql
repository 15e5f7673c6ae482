-- Read model: each participant's coaching and mentoring against the cadence the programme
-- expects, as domain.participant.support_sessions works it out from their state: one row
-- per kind of session expected of them now (none before the care placement, on a break in
-- learning, or once they have left). Kept by store/session_cadence.py in the append's
-- transaction. A session is missed from missed_from on: compared with the clock when read.
CREATE TABLE session_cadence (
    participant_id  text NOT NULL,
    kind            text NOT NULL,            -- coaching, mentoring
    cohort_id       text,
    held_by         text NOT NULL,            -- person id: the coach or the mentor
    sessions        integer NOT NULL,         -- held so far, of this kind
    last_held_on    date,
    due_by          timestamptz NOT NULL,
    missed_from     timestamptz NOT NULL,
    PRIMARY KEY (participant_id, kind)
);

-- "Who has gone twice the cadence without a session": the dashboard's range scan.
CREATE INDEX session_cadence_missed ON session_cadence (missed_from);
