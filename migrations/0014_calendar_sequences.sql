-- Each calendar event's SEQUENCE, kept per event. A feed computes every
-- event afresh; when an event's fingerprint (its start, summary, status and
-- description) differs from the one last served, its SEQUENCE grows by one,
-- and only then: moving a programme's phase no longer raises the SEQUENCE
-- of past events that did not change, which made clients process them again.
CREATE TABLE calendar_events (
    programme_id uuid NOT NULL REFERENCES programmes (id),
    uid          text NOT NULL,
    fingerprint  text NOT NULL,
    sequence     integer NOT NULL CONSTRAINT calendar_events_sequence CHECK (sequence >= 0),
    CONSTRAINT calendar_events_pkey PRIMARY KEY (programme_id, uid)
);
