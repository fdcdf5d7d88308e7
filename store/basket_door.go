package store

// The one door into a basket. Every action on an existing basket — a
// buyer's edit, submission or withdrawal, a reviewer's decision — opens the
// basket with openBasket inside its write transaction and finishes with
// basketOp.done, which saves the basket and writes the action's one audit
// row. The door, in order:
//
//  1. refuses anyone whose role cannot take the action at all;
//  2. expires every quote version past its validity (so a quote past
//     valid_until is never approved, whether or not the sweeper has run);
//  3. loads the basket scoped by the action in the query's WHERE clause: a
//     buyer's action finds only the buyer's organisation's baskets; a
//     reviewer's decision any organisation's but the reviewer's own;
//  4. authorises the action (the same rule again, in Go, as a second lock);
//  5. refuses an edit made from an out-of-date page (the basket version);
//  6. checks the state transition with BasketStatus.Next;
//  7. for submit, withdraw and decisions, finds the quote version awaiting
//     a decision, and refuses a decision made on another version.
//
// A later action (the review issue's decisions, say) is written as:
//
//	err := db.write(ctx, func(tx *sql.Tx) error {
//		op, err := db.openBasket(ctx, tx, reviewer, basketRequest{
//			Action: ActionReject, BasketID: id, QuoteVersion: form.QuoteVersion})
//		if err != nil {
//			return err
//		}
//		… change what the action changes, using op.tx, op.b, op.awaiting …
//		return op.done(ctx, comment, details)
//	})

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"
)

// qBasketRow selects a basket's row by id; the door's statements add the
// organisation scope (basket_stmt.go).
const qBasketRow = `SELECT id, org_id, owner_id, version, agreement_id, status, name FROM baskets WHERE id = ?`

// basketRow is the stored basket without its lines.
type basketRow struct {
	id, orgID, ownerID, version int64
	agreementID                 sql.NullInt64
	status                      BasketStatus
	name                        string
}

func scanBasketRow(row *sql.Row) (basketRow, error) {
	var b basketRow
	err := row.Scan(&b.id, &b.orgID, &b.ownerID, &b.version, &b.agreementID, &b.status, &b.name)
	if errors.Is(err, sql.ErrNoRows) {
		return b, Errorf(ENOTFOUND, "There is no such basket.")
	}
	return b, err
}

// basketRequest is what an action asks of the door.
type basketRequest struct {
	Action   Action
	BasketID int64
	// Version is the basket version the form was showing; a stale one is
	// refused as a conflict. "" skips the check (adds never conflict).
	Version string
	// QuoteVersion is the quote version a decision was made on (the form's
	// quote_version); another version than the one awaiting a decision is
	// refused as a conflict. 0 skips the check.
	QuoteVersion int
}

// basketOp is a basket opened by the door for one action.
type basketOp struct {
	tx     *sql.Tx
	st     *stmts
	user   *User
	now    time.Time
	action Action
	b      basketRow
	// from is the state before the action; to the state after it, as Next
	// says, which the action may change (a first of two approvals leaves
	// the basket submitted).
	from, to BasketStatus
	// awaiting is the quote version waiting for a decision, loaded for
	// submit, withdraw and decisions; nil when there is none.
	awaiting *awaitingVersion
	// quoteVersion is the version the action concerns, for the audit row.
	quoteVersion int
	// unchanged is set when a submit finds a version already awaiting a
	// decision: submitting again changes nothing (PRODUCT.md §4).
	unchanged bool
}

// awaitingVersion is a basket's quote version that awaits a decision.
type awaitingVersion struct {
	id, quoteID     int64
	ref             string
	version, needed int
}

// openBasket opens basket req.BasketID for u's action req.Action inside the
// write transaction tx (see the top of this file).
func (db *DB) openBasket(ctx context.Context, tx *sql.Tx, u *User, req basketRequest) (*basketOp, error) {
	return openBasket(ctx, tx, db.stmts, u, req, db.Now())
}

func openBasket(ctx context.Context, tx *sql.Tx, st *stmts, u *User, req basketRequest, now time.Time) (*basketOp, error) {
	a := req.Action
	if err := mayAttempt(u, a); err != nil {
		return nil, err
	}
	if _, err := expireQuotes(ctx, tx, st, now); err != nil {
		return nil, err
	}
	var b basketRow
	var err error
	if a.isDecision() {
		b, err = scanBasketRow(st.basketNotOrg.row(ctx, tx, req.BasketID, u.OrgID))
		if ErrorCode(err) == ENOTFOUND {
			// Reviewers may read every basket, so saying why is no leak.
			if _, own := scanBasketRow(st.basketOfOrg.row(ctx, tx, req.BasketID, u.OrgID)); own == nil {
				err = Errorf(EFORBIDDEN, "You cannot decide on a basket from your own organisation.")
			}
		}
	} else {
		b, err = scanBasketRow(st.basketOfOrg.row(ctx, tx, req.BasketID, u.OrgID))
	}
	if err != nil {
		return nil, err
	}
	if err := authorize(u, b.orgID, a); err != nil {
		return nil, err
	}
	if err := checkVersion(b, req.Version); err != nil {
		return nil, err
	}
	op := &basketOp{tx: tx, st: st, user: u, now: now, action: a, b: b, from: b.status}
	if a.needsQuote() {
		if op.awaiting, err = awaitingQuote(ctx, tx, b.id); err != nil {
			return nil, err
		}
		if op.awaiting != nil {
			op.quoteVersion = op.awaiting.version
		}
	}
	if a == ActionSubmit && b.status == BasketSubmitted && op.awaiting != nil {
		op.to, op.unchanged = b.status, true
		return op, nil
	}
	if op.to, err = b.status.Next(a); err != nil {
		if a.isDecision() {
			// Say so when it is because the quote has just expired (maybe
			// only now, by this very request).
			if q, qerr := latestQuote(ctx, tx, b.id); qerr == nil && q != nil && q.Status == QuoteExpired {
				return nil, Errorf(ECONFLICT, "Quote %s version %d was valid until %s and expired without a decision, so it can no longer be decided on. The buyer can submit the basket again for a quote at current prices.",
					q.Ref, q.Version, FormatDate(q.ValidUntilDate()))
			}
		}
		return nil, err
	}
	if a != ActionSubmit && a.needsQuote() {
		if op.awaiting == nil {
			return nil, Errorf(ECONFLICT, "This basket has no quote waiting for a decision.")
		}
		if req.QuoteVersion != 0 && req.QuoteVersion != op.awaiting.version {
			return nil, Errorf(ECONFLICT, "Version %d of quote %s is the one waiting for a decision now, not version %d. Check version %d and decide again.",
				op.awaiting.version, op.awaiting.ref, req.QuoteVersion, op.awaiting.version)
		}
	}
	return op, nil
}

// awaitingQuote returns the basket's quote version awaiting a decision, or nil.
func awaitingQuote(ctx context.Context, tx *sql.Tx, basketID int64) (*awaitingVersion, error) {
	var v awaitingVersion
	err := tx.QueryRowContext(ctx, `SELECT v.id, q.id, q.ref, v.version, v.approvals_needed
		FROM quote_versions v JOIN quotes q ON q.id = v.quote_id WHERE q.basket_id = ? AND v.status = 'submitted'`, basketID).
		Scan(&v.id, &v.quoteID, &v.ref, &v.version, &v.needed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &v, err
}

// checkVersion refuses an edit made from an out-of-date page. An empty
// version skips the check (adds never carry one).
func checkVersion(b basketRow, version string) error {
	if version == "" {
		return nil
	}
	v, err := strconv.ParseInt(strings.TrimSpace(version), 10, 64)
	if err != nil || v != b.version {
		return Errorf(ECONFLICT, "This basket was changed by someone else, or in another tab, after you opened it. Your change has not been saved: check the basket as it is now and make your change again.")
	}
	return nil
}

// done finishes the action: the basket takes state op.to, its version goes
// up, and the action's one audit row is written.
func (op *basketOp) done(ctx context.Context, comment string, details Details) error {
	op.b.status = op.to
	if _, err := op.st.touch.exec(ctx, op.tx, string(op.b.status), op.b.agreementID, timestamp(op.now), op.b.id); err != nil {
		return err
	}
	return audit(ctx, op.tx, AuditEvent{At: op.now, Actor: ActorOf(op.user), Subject: Subject{SubjectBasket, op.b.id}, OrgID: op.b.orgID,
		Action: op.action, From: string(op.from), To: string(op.to), Comment: comment, QuoteVersion: op.quoteVersion, Details: details})
}

// Who may read a basket or quote: its organisation's buyers, and CCS
// reviewers (PRODUCT.md §2).

// viewScope is the WHERE condition, on the organisation column col, that
// limits a read to what u may see, with its arguments. Reads put it in their
// query, so nothing is loaded — or priced — for someone who may not see it.
func viewScope(u *User, col string) (string, []any) {
	switch {
	case u.Is(RoleReviewer):
		return "1 = 1", nil
	case u.Is(RoleBuyer):
		return col + " = ?", []any{u.OrgID}
	}
	return "0 = 1", nil
}
