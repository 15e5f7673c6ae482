-- Crypto-shredding: personal content in events is encrypted with its data subject's key
-- (store/personal_data.py). Forgetting someone sets their key to NULL and keeps the row,
-- so content appended for them afterwards is stored as erased, not under a new key.
CREATE TABLE subject_keys (
    subject     text PRIMARY KEY,          -- a participant id
    key         bytea,                     -- AES-256-GCM key; NULL once forgotten
    created_at  timestamptz NOT NULL DEFAULT now(),
    erased_at   timestamptz,
    CHECK ((key IS NULL) = (erased_at IS NOT NULL)),
    CHECK (key IS NULL OR length(key) = 32)
);

-- A subject-access export finds the events a person caused on anyone's stream, and
-- the mail sent to them.
CREATE INDEX events_actor ON events ((metadata->>'actor'));
CREATE INDEX outbox_recipient ON outbox (recipient);
