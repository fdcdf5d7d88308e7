-- The transparency register's totals (issue 11): one row per UK calendar
-- day (Europe/London) of approval × agreement × value band, with the sums
-- the register's totals show, kept by triggers whenever a quote version
-- enters or leaves the approved state (or an approved version's figures,
-- time or quote change), so a filter by agreement, value band or whole
-- days is a sum of a few hundred rows instead of every approved version.
-- A filter the table cannot answer (one organisation) reads the versions.
-- `portal check` recomputes the table from the versions (store/check.go).
CREATE TABLE award_day_totals (
    day           TEXT NOT NULL,    -- the UK date of approval, YYYY-MM-DD
    agreement_id  INTEGER NOT NULL,
    band          TEXT NOT NULL,    -- the value band of the gross (store.ValueBands)
    awards        INTEGER NOT NULL, -- how many approved versions
    list_pence    INTEGER NOT NULL,
    net_pence     INTEGER NOT NULL,
    vat_pence     INTEGER NOT NULL,
    gross_pence   INTEGER NOT NULL,
    savings_pence INTEGER NOT NULL,
    PRIMARY KEY (day, agreement_id, band)
) WITHOUT ROWID;

-- Every change to the table goes through this view, so the UK day and the
-- value band are worked out in one place: its INSTEAD OF trigger adds one
-- approved version's figures to its row (sign 1) or takes them away (-1).
CREATE VIEW award_day_changes (decided_at, agreement_id, list_pence, net_pence, vat_pence, gross_pence, savings_pence, sign) AS
    SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL WHERE 0;

-- The UK day: approval times are RFC 3339 UTC; British Summer Time (UTC+1)
-- runs from 01:00 UTC on the last Sunday of March (the first Sunday on or
-- after the 25th) to 01:00 UTC on the last Sunday of October. The bands'
-- bounds are store.band30kPence and store.band100kPence (£30,000 and
-- £100,000 gross); `portal check` and the store tests recompute both with
-- the Go rules.
CREATE TRIGGER award_day_changes_apply INSTEAD OF INSERT ON award_day_changes
BEGIN
    SELECT RAISE(ABORT, 'an approved quote version needs its approval time (decided_at)') WHERE new.decided_at IS NULL;
    INSERT INTO award_day_totals (day, agreement_id, band, awards, list_pence, net_pence, vat_pence, gross_pence, savings_pence)
    VALUES (
        CASE WHEN new.decided_at >= date(substr(new.decided_at, 1, 4) || '-03-25', 'weekday 0') || 'T01:00:00Z'
              AND new.decided_at < date(substr(new.decided_at, 1, 4) || '-10-25', 'weekday 0') || 'T01:00:00Z'
            THEN date(new.decided_at, '+1 hour') ELSE date(new.decided_at) END,
        new.agreement_id,
        CASE WHEN new.gross_pence < 3000000 THEN 'under-30k' WHEN new.gross_pence < 10000000 THEN '30k-100k' ELSE '100k-plus' END,
        new.sign, new.sign * new.list_pence, new.sign * new.net_pence, new.sign * new.vat_pence, new.sign * new.gross_pence,
        new.sign * new.savings_pence)
    ON CONFLICT (day, agreement_id, band) DO UPDATE SET awards = awards + excluded.awards,
        list_pence = list_pence + excluded.list_pence, net_pence = net_pence + excluded.net_pence,
        vat_pence = vat_pence + excluded.vat_pence, gross_pence = gross_pence + excluded.gross_pence,
        savings_pence = savings_pence + excluded.savings_pence;
    DELETE FROM award_day_totals WHERE new.sign < 0 AND awards = 0;
END;

-- An approval (or the scale seeding, which inserts approved versions).
CREATE TRIGGER quote_versions_award_days_i AFTER INSERT ON quote_versions WHEN new.status = 'approved'
BEGIN
    INSERT INTO award_day_changes SELECT new.decided_at, q.agreement_id, new.list_total_pence, new.net_total_pence, new.vat_pence,
        new.gross_total_pence, new.savings_pence, 1 FROM quotes q WHERE q.id = new.quote_id;
END;

-- Approval happens by UPDATE (store/review_decision.go). No path takes an
-- approved version out of the register today (superseding, expiry and
-- withdrawal apply only to versions still awaiting a decision), but if one
-- ever does, or an approved version's figures change, its row follows.
CREATE TRIGGER quote_versions_award_days_u AFTER UPDATE OF status, decided_at, quote_id, list_total_pence, net_total_pence,
    vat_pence, gross_total_pence, savings_pence ON quote_versions WHEN old.status = 'approved' OR new.status = 'approved'
BEGIN
    INSERT INTO award_day_changes SELECT old.decided_at, q.agreement_id, old.list_total_pence, old.net_total_pence, old.vat_pence,
        old.gross_total_pence, old.savings_pence, -1 FROM quotes q WHERE q.id = old.quote_id AND old.status = 'approved';
    INSERT INTO award_day_changes SELECT new.decided_at, q.agreement_id, new.list_total_pence, new.net_total_pence, new.vat_pence,
        new.gross_total_pence, new.savings_pence, 1 FROM quotes q WHERE q.id = new.quote_id AND new.status = 'approved';
END;

CREATE TRIGGER quote_versions_award_days_d AFTER DELETE ON quote_versions WHEN old.status = 'approved'
BEGIN
    INSERT INTO award_day_changes SELECT old.decided_at, q.agreement_id, old.list_total_pence, old.net_total_pence, old.vat_pence,
        old.gross_total_pence, old.savings_pence, -1 FROM quotes q WHERE q.id = old.quote_id;
END;

-- A quote moved to another agreement takes its approved versions along.
CREATE TRIGGER quotes_award_days_agreement AFTER UPDATE OF agreement_id ON quotes WHEN old.agreement_id IS NOT new.agreement_id
BEGIN
    INSERT INTO award_day_changes SELECT v.decided_at, old.agreement_id, v.list_total_pence, v.net_total_pence, v.vat_pence,
        v.gross_total_pence, v.savings_pence, -1 FROM quote_versions v WHERE v.quote_id = old.id AND v.status = 'approved';
    INSERT INTO award_day_changes SELECT v.decided_at, new.agreement_id, v.list_total_pence, v.net_total_pence, v.vat_pence,
        v.gross_total_pence, v.savings_pence, 1 FROM quote_versions v WHERE v.quote_id = new.id AND v.status = 'approved';
END;

-- The approvals made so far.
INSERT INTO award_day_changes SELECT v.decided_at, q.agreement_id, v.list_total_pence, v.net_total_pence, v.vat_pence,
    v.gross_total_pence, v.savings_pence, 1
    FROM quote_versions v INDEXED BY quote_versions_approved_date JOIN quotes q ON q.id = v.quote_id WHERE v.status = 'approved';
