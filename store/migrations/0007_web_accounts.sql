-- Signing in to the web console: a password per person (an argon2 hash, never the
-- password) and one-time sign-in links sent by mail (the SHA-256 of the token, never the
-- token: the link in the mail is the only copy). A link expires, and is used once.
CREATE TABLE web_passwords (
    person_id      text PRIMARY KEY REFERENCES people ON DELETE CASCADE,
    password_hash  text NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE web_sign_in_links (
    token_hash  bytea PRIMARY KEY,
    person_id   text NOT NULL REFERENCES people ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

CREATE INDEX web_sign_in_links_person ON web_sign_in_links (person_id);
