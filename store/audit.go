package store

// The audit trail (PRODUCT.md §5): one append-only row in audit_events for
// every action a person or the system takes — who, when, what it was done
// to, the state before and after, the comment, the quote version and what
// changed. Triggers refuse UPDATE and DELETE.
//
// Every writer goes through audit, inside the transaction that makes the
// change, so a change and its record commit together or not at all:
//
//	err := audit(ctx, tx, AuditEvent{At: now, Actor: ActorOf(u),
//		Subject: Subject{SubjectTrial, trialID}, OrgID: orgID,
//		Action: "approve", From: "submitted", To: "approved",
//		Details: Details{"sites": Change{3, 4}}})
//
// One action is one row, even when it changes several things (a submit that
// issues v(n+1) and supersedes v(n) is one "submit" row). Sign-ins are not
// here: they go to the security log, which only admins read.

import (
	"context"
	"database/sql"
	"encoding/json"
	"os/user"
	"sync"
	"time"
)

// Subject kinds: what an audit event is about.
const (
	SubjectBasket       = "basket"
	SubjectQuote        = "quote"
	SubjectTrial        = "trial"
	SubjectOffering     = "offering"
	SubjectAgreement    = "agreement"
	SubjectOrganisation = "organisation"
	SubjectUser         = "user"
)

// Subject names what an audit event is about: a kind and an id.
type Subject struct {
	Kind string
	ID   int64
}

// Actions on accounts (basket actions are in basket_workflow.go).
const (
	ActionCreateUser          Action = "create_user"
	ActionEnableUser          Action = "enable_user"
	ActionDisableUser         Action = "disable_user"
	ActionSetPassword         Action = "set_password"
	ActionCreateOrganisation  Action = "create_organisation"
	ActionEnableOrganisation  Action = "enable_organisation"
	ActionDisableOrganisation Action = "disable_organisation"
)

// Actor is who took an action: a user as they were at the time, or the
// system (UserID 0), named by the part of it that acted.
type Actor struct {
	UserID int64
	Name   string
	Role   string
	OrgID  int64
	// OrgName is the organisation's name, filled in when events are read.
	OrgName string
}

// System reports whether the portal itself acted (the sweeper, the command
// line), not a signed-in person.
func (a Actor) System() bool { return a.UserID == 0 }

// ActorOf is the actor for user u; a user without an id (Operator, the
// command line) is the system under that user's name.
func ActorOf(u *User) Actor {
	if u == nil || u.ID == 0 {
		name := "the portal"
		if u != nil && u.Name != "" {
			name = u.Name
		}
		return Actor{Name: name}
	}
	return Actor{UserID: u.ID, Name: u.Name, Role: u.Role, OrgID: u.OrgID}
}

// PortalActor is the system acting by itself: the sweeper, or a rule that a
// request found due (a quote past its validity).
var PortalActor = Actor{Name: "the portal"}

// CommandLineName names the command line as an actor, with the operating
// system's user who ran it: "command line (alice)".
func CommandLineName() string {
	osUser.once.Do(func() {
		osUser.name = "unknown user"
		if u, err := user.Current(); err == nil && u.Username != "" {
			osUser.name = u.Username
		}
	})
	return "command line (" + osUser.name + ")"
}

var osUser struct {
	once sync.Once
	name string
}

// Details records what an action changed, by field: usually a Change, or a
// plain value for something set once (the offering a line is for).
type Details map[string]any

// Change is one field's old and new value.
type Change struct {
	Old any `json:"old"`
	New any `json:"new"`
}

// AuditEvent is one row of the audit trail.
type AuditEvent struct {
	ID      int64
	At      time.Time
	Actor   Actor
	Subject Subject
	// OrgID is the organisation whose record the subject is, and so who
	// may read the event (0 for the catalogue, which everyone reads).
	OrgID        int64
	Action       Action
	From, To     string // states before and after; equal when unchanged
	Comment      string
	QuoteVersion int // 0 when none
	Details      Details
	// Filled in when events are read: the subject's organisation's name and,
	// for a basket, its quote reference.
	OrgName string
	Ref     string
}

// audit appends e to the audit trail inside tx.
func audit(ctx context.Context, tx *sql.Tx, e AuditEvent) error {
	args, err := auditArgs(e)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, auditInsert, args...)
	return err
}

// auditInsert appends one event (auditArgs).
const auditInsert = auditInsertHead + `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// auditInsertHead is auditInsert before its values: a writer of many events
// (a price list) appends a VALUES list of many rows.
const auditInsertHead = `INSERT INTO audit_events (at, actor_id, actor_name, actor_role, actor_org_id,
		subject_kind, subject_id, org_id, action, from_state, to_state, comment, quote_version, details)
		VALUES `

func auditArgs(e AuditEvent) ([]any, error) {
	details := []byte("{}")
	if len(e.Details) > 0 {
		var err error
		if details, err = json.Marshal(e.Details); err != nil {
			return nil, err
		}
	}
	return []any{timestamp(e.At), nullID(e.Actor.UserID), e.Actor.Name, e.Actor.Role, nullID(e.Actor.OrgID),
		e.Subject.Kind, e.Subject.ID, nullID(e.OrgID), string(e.Action), e.From, e.To, e.Comment,
		nullID(int64(e.QuoteVersion)), string(details)}, nil
}

// nullID is NULL for 0.
func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// auditSelect reads audit_events rows (as e) with the names of the actor's
// and the subject's organisations and, for a basket, its quote reference.
const auditSelect = `SELECT e.id, e.at, coalesce(e.actor_id, 0), e.actor_name, e.actor_role, coalesce(e.actor_org_id, 0), coalesce(ao.name, ''),
	e.subject_kind, e.subject_id, coalesce(e.org_id, 0), coalesce(so.name, ''), coalesce(q.ref, ''),
	e.action, e.from_state, e.to_state, e.comment, coalesce(e.quote_version, 0), e.details
	FROM audit_events e
	LEFT JOIN organisations ao ON ao.id = e.actor_org_id
	LEFT JOIN organisations so ON so.id = e.org_id
	LEFT JOIN quotes q ON e.subject_kind = 'basket' AND q.basket_id = e.subject_id `

func scanAudit(rows *sql.Rows) (AuditEvent, error) {
	var e AuditEvent
	var at, details string
	err := rows.Scan(&e.ID, &at, &e.Actor.UserID, &e.Actor.Name, &e.Actor.Role, &e.Actor.OrgID, &e.Actor.OrgName,
		&e.Subject.Kind, &e.Subject.ID, &e.OrgID, &e.OrgName, &e.Ref, &e.Action, &e.From, &e.To, &e.Comment, &e.QuoteVersion, &details)
	if err != nil {
		return e, err
	}
	e.At = parseTimestamp(at)
	if details != "{}" {
		if err := json.Unmarshal([]byte(details), &e.Details); err != nil {
			return e, err
		}
	}
	return e, nil
}

// queryAudit runs auditSelect with a WHERE condition (on e) and the rest of
// the query (order, limit), calling fn for each event.
func queryAudit(ctx context.Context, q querier, where, rest string, args []any, fn func(AuditEvent) error) error {
	rows, err := q.QueryContext(ctx, auditSelect+` WHERE `+where+` `+rest, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// auditTrail returns a subject's events, oldest first; where (optional)
// narrows them, e.g. "e.quote_version IS NOT NULL".
func auditTrail(ctx context.Context, q querier, s Subject, where string) ([]AuditEvent, error) {
	cond := `e.subject_kind = ? AND e.subject_id = ?`
	if where != "" {
		cond += " AND " + where
	}
	var out []AuditEvent
	err := queryAudit(ctx, q, cond, `ORDER BY e.id`, []any{s.Kind, s.ID}, func(e AuditEvent) error {
		out = append(out, e)
		return nil
	})
	return out, err
}
