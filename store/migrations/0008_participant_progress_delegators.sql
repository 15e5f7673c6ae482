-- Read model: who must grant a delegation on each participant for it to cover their tasks
-- there (the domain's ParticipantState.delegators: the holders of their open tasks and,
-- while they are active, the people around them now), kept by the progress projector so
-- `scls tasks delegate` finds the participants without restating who supports whom.
ALTER TABLE participant_progress ADD COLUMN delegators text[] NOT NULL DEFAULT '{}';
CREATE INDEX participant_progress_delegators ON participant_progress USING gin (delegators);
-- then: rebuild the read models
