-- The people directory: who the person ids on tasks and events are. Personal data lives
-- here, never in events, workflow ids or search attributes.
CREATE TABLE providers (
    provider_id  text PRIMARY KEY,
    name         text NOT NULL
);

CREATE TABLE homes (
    home_id          text PRIMARY KEY,
    name             text NOT NULL,
    cqc_location_id  text NOT NULL UNIQUE,
    provider_id      text NOT NULL REFERENCES providers
);

CREATE TABLE people (
    person_id     text PRIMARY KEY,
    display_name  text NOT NULL,
    email         text NOT NULL UNIQUE,
    roles         text[] NOT NULL,
    home_id       text REFERENCES homes,
    provider_id   text REFERENCES providers,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Mail the engine sends, one row per notification: the idempotency key (the id of the
-- event that asked for it) makes a retried send a no-op once the mail has gone.
CREATE TABLE outbox (
    idempotency_key  text PRIMARY KEY,
    recipient        text NOT NULL,          -- person id
    email            text NOT NULL,
    subject          text NOT NULL,
    body             text NOT NULL,
    workflow_id      text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text
);

CREATE INDEX outbox_unsent ON outbox (created_at) WHERE sent_at IS NULL;
