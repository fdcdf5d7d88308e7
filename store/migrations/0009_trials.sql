-- Trials (issue 9, PRODUCT.md §6): free proof-of-value and SD-WAN trials,
-- from application to outcome; their success criteria; the link from a
-- basket started from a trial; and a data version that the agreement
-- page's trial numbers depend on.

CREATE TABLE trials (
    id            INTEGER PRIMARY KEY,
    org_id        INTEGER NOT NULL REFERENCES organisations (id),
    applicant_id  INTEGER NOT NULL REFERENCES users (id),
    offering_id   INTEGER NOT NULL REFERENCES offerings (id),
    -- the offering's agreement when applied for: its trial terms governed it
    agreement_id  INTEGER NOT NULL REFERENCES agreements (id),
    kind          TEXT NOT NULL CHECK (kind IN ('pov', 'sdwan')),
    -- the stored state; the sweeper (and every trial action, first) moves
    -- approved trials to active and declines undecided applications on
    -- their start date
    status        TEXT NOT NULL DEFAULT 'submitted'
                  CHECK (status IN ('submitted', 'approved', 'declined', 'active', 'completed', 'withdrawn')),
    sites         INTEGER NOT NULL CHECK (sites BETWEEN 1 AND 1000),
    start_date    TEXT NOT NULL CHECK (date(start_date) = start_date), -- UK date, YYYY-MM-DD
    duration_days INTEGER NOT NULL CHECK (duration_days BETWEEN 1 AND 366),
    -- the last day of the trial: start + duration − 1
    end_date      TEXT GENERATED ALWAYS AS (date(start_date, '+' || (duration_days - 1) || ' days')) STORED,
    objectives    TEXT NOT NULL CHECK (length(trim(objectives)) > 0),
    -- the UK date of the application, which the SD-WAN limit counts by
    applied_on    TEXT NOT NULL CHECK (date(applied_on) = applied_on),
    applied_at    TEXT NOT NULL, -- RFC 3339 UTC
    -- an optional draft basket of the organisation linked when applying
    basket_id     INTEGER REFERENCES baskets (id),
    decided_at    TEXT,
    decided_by    INTEGER REFERENCES users (id), -- NULL: the portal (not decided in time)
    decision_comment TEXT NOT NULL DEFAULT '',
    completed_at  TEXT,
    outcome_notes TEXT NOT NULL DEFAULT '',
    updated_at    TEXT NOT NULL
) STRICT;
CREATE INDEX trials_org ON trials (org_id, status, offering_id);
CREATE INDEX trials_org_kind ON trials (org_id, kind, applied_on);
CREATE INDEX trials_offering ON trials (offering_id, status);
CREATE INDEX trials_due ON trials (status, start_date);
CREATE INDEX trials_agreement ON trials (agreement_id, status);
CREATE INDEX trials_basket ON trials (basket_id) WHERE basket_id IS NOT NULL;

-- What an application was for never changes; only its state, decision and
-- outcome do.
CREATE TRIGGER trials_application_immutable BEFORE UPDATE OF org_id, applicant_id, offering_id, agreement_id, kind,
    sites, start_date, duration_days, objectives, applied_on, applied_at, basket_id ON trials BEGIN
    SELECT RAISE(ABORT, 'a trial application is immutable');
END;
CREATE TRIGGER trials_no_delete BEFORE DELETE ON trials BEGIN
    SELECT RAISE(ABORT, 'trials cannot be deleted');
END;

-- Success criteria, 1-based in the order written; met is NULL until the
-- buyer records the outcome, then 1 (met) or 0 (not met).
CREATE TABLE trial_criteria (
    trial_id INTEGER NOT NULL REFERENCES trials (id),
    n        INTEGER NOT NULL CHECK (n BETWEEN 1 AND 10),
    text     TEXT NOT NULL CHECK (length(trim(text)) BETWEEN 1 AND 200),
    met      INTEGER CHECK (met IN (0, 1)),
    PRIMARY KEY (trial_id, n)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER trial_criteria_text_immutable BEFORE UPDATE OF trial_id, n, text ON trial_criteria BEGIN
    SELECT RAISE(ABORT, 'success criteria are immutable');
END;

-- A basket started from a completed trial names it: with trials.basket_id
-- the two are linked both ways.
ALTER TABLE baskets ADD COLUMN trial_id INTEGER REFERENCES trials (id);
CREATE INDEX baskets_trial ON baskets (trial_id) WHERE trial_id IS NOT NULL;

-- The trials data version: the agreement page's trial numbers (started,
-- completed, criteria met, converted) change with trials, their outcomes
-- and the baskets started from them (conversions also depend on approvals,
-- which approvals_version counts).
INSERT INTO meta (key, value) VALUES ('trials_version', 1);
CREATE TRIGGER tv_trials_i AFTER INSERT ON trials BEGIN UPDATE meta SET value = value + 1 WHERE key = 'trials_version'; END;
CREATE TRIGGER tv_trials_u AFTER UPDATE ON trials BEGIN UPDATE meta SET value = value + 1 WHERE key = 'trials_version'; END;
CREATE TRIGGER tv_criteria_u AFTER UPDATE OF met ON trial_criteria BEGIN UPDATE meta SET value = value + 1 WHERE key = 'trials_version'; END;
CREATE TRIGGER tv_baskets_i AFTER INSERT ON baskets WHEN new.trial_id IS NOT NULL
BEGIN UPDATE meta SET value = value + 1 WHERE key = 'trials_version'; END;
CREATE TRIGGER tv_baskets_u AFTER UPDATE OF trial_id ON baskets WHEN new.trial_id IS NOT old.trial_id
BEGIN UPDATE meta SET value = value + 1 WHERE key = 'trials_version'; END;
