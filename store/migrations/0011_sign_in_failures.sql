-- Failed console sign-ins, counted per account and per client address to throttle
-- password guessing across every console instance. The account is the SHA-256 of the
-- login as typed (lower-cased), never the login: a mistyped email is personal data too.
CREATE TABLE web_sign_in_failures (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account    bytea NOT NULL,
    client     text NOT NULL,
    failed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX web_sign_in_failures_account ON web_sign_in_failures (account, failed_at);
CREATE INDEX web_sign_in_failures_client ON web_sign_in_failures (client, failed_at);
