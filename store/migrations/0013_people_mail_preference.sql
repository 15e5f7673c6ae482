-- How each person hears of their tasks (domain.people.MailPreference): a mail for each
-- reminder ('each_event'), or the weekly digest only ('digest'). Escalations and the
-- other notifications go by mail either way. Set by `scls people load` (`mail:`).
ALTER TABLE people
    ADD COLUMN mail text NOT NULL DEFAULT 'each_event'
        CHECK (mail IN ('each_event', 'digest'));
