-- Console sessions kept on the server, so signing out ends one for good and ops can end
-- all of a person's (`scls people end-sessions`). The cookie holds a random token; this
-- table holds only its SHA-256, so the database alone cannot be used to sign anyone in.
CREATE TABLE web_sessions (
    token_hash  bytea PRIMARY KEY,
    person_id   text NOT NULL REFERENCES people ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);

CREATE INDEX web_sessions_person ON web_sessions (person_id);
