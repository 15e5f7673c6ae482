-- Read model: each alumnus' record after the programme (check-ins asked and answered,
-- registration with CQC as Registered Manager), folded from their alumni-<person>
-- stream by store/alumni.py in the append's transaction.
CREATE TABLE alumni_record (
    person_id        text PRIMARY KEY,
    cohort_id        text NOT NULL,
    left_as          text NOT NULL,            -- completed, withdrawn
    left_at          timestamptz NOT NULL,
    destination      text,                     -- the latest answer's
    rm_registered_on date,
    version          integer NOT NULL,
    state            jsonb NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX alumni_record_cohort ON alumni_record (cohort_id);

-- Reference data, not events: the CQC ratings of care locations, as ops import them from
-- the care directory file CQC publishes (`scls cqc import`). One row per location and
-- publication date, so each location's ratings are kept as a history; importing the same
-- file again changes nothing. CQC, not the scheme, is the record of these.
CREATE TABLE cqc_rating (
    location_id   text NOT NULL,
    published_on  date NOT NULL,
    location_name text NOT NULL,
    overall       text,
    safe          text,
    effective     text,
    caring        text,
    responsive    text,
    well_led      text,
    imported_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (location_id, published_on)
);
