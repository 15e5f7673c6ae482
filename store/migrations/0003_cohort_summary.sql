-- Read model: each cohort's state, folded from its stream by the domain's evolve_cohort.
CREATE TABLE cohort_summary (
    cohort_id          text PRIMARY KEY,
    hub                text,
    start_date         timestamptz,
    programme_version  text,
    version            integer NOT NULL,
    state              jsonb NOT NULL,
    updated_at         timestamptz NOT NULL
);
