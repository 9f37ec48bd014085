-- Every date and period tandem stores lies where a programme can: between
-- 2000-01-01 and 2099-12-31 (src/domain/dates.rs says why). The application
-- parses every typed date and period into those bounds; these constraints
-- make the database agree, so no path around the parser can store a date
-- (such as 0001-01-01 BC) that fails every page reading it back.

-- Before this release a typed year 0 could be stored, and it made every page
-- reading it fail. Such a date is a slip of the keyboard: pull it to the
-- nearest bound so the organisation's pages work again.
ALTER TABLE exco_reviews DISABLE TRIGGER exco_reviews_keep_held;
UPDATE exco_reviews SET meeting_on = least(greatest(meeting_on, date '2000-01-01'), date '2099-12-31')
 WHERE meeting_on NOT BETWEEN date '2000-01-01' AND date '2099-12-31';
ALTER TABLE exco_reviews ENABLE TRIGGER exco_reviews_keep_held;
UPDATE alignment_sessions SET held_on = least(greatest(held_on, date '2000-01-01'), date '2099-12-31')
 WHERE held_on NOT BETWEEN date '2000-01-01' AND date '2099-12-31';
UPDATE action_items SET due_on = least(greatest(due_on, date '2000-01-01'), date '2099-12-31')
 WHERE due_on NOT BETWEEN date '2000-01-01' AND date '2099-12-31';
UPDATE programmes SET planned_start = least(greatest(planned_start, date '2000-01-01'), date '2099-12-31')
 WHERE planned_start NOT BETWEEN date '2000-01-01' AND date '2099-12-31';

ALTER TABLE programmes
    ADD CONSTRAINT programmes_planned_start_range
        CHECK (planned_start BETWEEN date '2000-01-01' AND date '2099-12-31'),
    ADD CONSTRAINT programmes_deploying_since_range
        CHECK (deploying_since BETWEEN date '2000-01-01' AND date '2099-12-31'),
    ADD CONSTRAINT programmes_live_since_range
        CHECK (live_since BETWEEN date '2000-01-01' AND date '2099-12-31'),
    ADD CONSTRAINT programmes_closed_since_range
        CHECK (closed_since BETWEEN date '2000-01-01' AND date '2099-12-31');
ALTER TABLE alignment_sessions ADD CONSTRAINT alignment_sessions_held_on_range
    CHECK (held_on BETWEEN date '2000-01-01' AND date '2099-12-31');
ALTER TABLE exco_reviews ADD CONSTRAINT exco_reviews_meeting_on_range
    CHECK (meeting_on BETWEEN date '2000-01-01' AND date '2099-12-31');
ALTER TABLE action_items ADD CONSTRAINT action_items_due_on_range
    CHECK (due_on BETWEEN date '2000-01-01' AND date '2099-12-31');

-- Periods: an ISO week (01–53) or a month (01–12) of the years 2000–2099.
-- Values of a period outside them, stored before this release, stay where
-- they are (corrections refer to them, and history is append-only) but are
-- not validated here; the application's reader skips them.
ALTER TABLE metric_values ADD CONSTRAINT metric_values_period_range
    CHECK (period ~ '^20[0-9]{2}-(W(0[1-9]|[1-4][0-9]|5[0-3])|0[1-9]|1[0-2])$') NOT VALID;
ALTER TABLE roi_actuals ADD CONSTRAINT roi_actuals_month_range
    CHECK (month ~ '^20[0-9]{2}-(0[1-9]|1[0-2])$') NOT VALID;
ALTER TABLE exco_reviews ADD CONSTRAINT exco_reviews_month_range
    CHECK (month ~ '^20[0-9]{2}-(0[1-9]|1[0-2])$') NOT VALID;
ALTER TABLE status_ratings ADD CONSTRAINT status_ratings_round_range
    CHECK (round ~ '^20[0-9]{2}-(W(0[1-9]|[1-4][0-9]|5[0-3])|0[1-9]|1[0-2])$') NOT VALID;
