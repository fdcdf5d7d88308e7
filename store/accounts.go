package store

import (
	"context"
	"database/sql"
	"errors"
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// Organisation types (issue 3).
const (
	OrgCountyCouncil     = "county_council"
	OrgDistrictCouncil   = "district_council"
	OrgUnitaryAuthority  = "unitary_authority"
	OrgNHSBody           = "nhs_body"
	OrgCentralGovernment = "central_government"
	OrgCCS               = "ccs"
	OrgSupplier          = "supplier"
	OrgOther             = "other"
)

// Choice is a value and its label, for radios and selects.
type Choice struct {
	Value string
	Label string
}

// OrgTypes lists the organisation types in display order.
var OrgTypes = []Choice{
	{OrgCountyCouncil, "County council"},
	{OrgDistrictCouncil, "District council"},
	{OrgUnitaryAuthority, "Unitary authority"},
	{OrgNHSBody, "NHS body"},
	{OrgCentralGovernment, "Central government"},
	{OrgCCS, "Crown Commercial Service"},
	{OrgSupplier, "Supplier"},
	{OrgOther, "Other public body"},
}

// Roles lists the roles in display order with a short description.
var Roles = []Choice{
	{RoleBuyer, "Buyer – builds baskets and asks for quotes for their organisation"},
	{RoleReviewer, "Reviewer – CCS commercial staff who approve quotes and trials"},
	{RoleSupplier, "Supplier – keeps a supplier's catalogue and answers trial applications"},
	{RoleAdmin, "Admin – manages organisations and users"},
}

// OrgTypeLabel returns the display label of an organisation type.
func OrgTypeLabel(t string) string { return choiceLabel(OrgTypes, t) }

// RoleLabel returns the display name of a role ("Buyer").
func RoleLabel(r string) string {
	l := choiceLabel(Roles, r)
	if i := strings.Index(l, " – "); i > 0 {
		return l[:i]
	}
	return l
}

func choiceLabel(cs []Choice, v string) string {
	for _, c := range cs {
		if c.Value == v {
			return c.Label
		}
	}
	return v
}

func validChoice(cs []Choice, v string) bool {
	for _, c := range cs {
		if c.Value == v {
			return true
		}
	}
	return false
}

// Organisation is a buying body, CCS or a supplier.
type Organisation struct {
	ID         int64
	Name       string
	Type       string
	Identifier string
	Active     bool
	Users      int // number of accounts
}

// TypeLabel returns the display label of the organisation's type.
func (o Organisation) TypeLabel() string { return OrgTypeLabel(o.Type) }

// Operator is the actor for the command line, which runs with the rights of
// an admin who belongs to no organisation.
// In the audit trail it is the system, named with the operating-system user.
func Operator() *User { return &User{Name: CommandLineName(), Role: RoleAdmin, Active: true} }

func requireAdmin(actor *User) error {
	if !actor.Is(RoleAdmin) {
		return Errorf(EFORBIDDEN, "Only administrators can manage organisations and users.")
	}
	return nil
}

// NormaliseEmail trims and lower-cases an email address, the form in which
// addresses are stored and compared.
func NormaliseEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// orgIdentifierPattern is the shape of an organisation identifier: an
// org-id.guide scheme (a country code and a list, such as GB-LAC for local
// authorities or GB-COH for Companies House) then the number in that list.
// The register filters by it and OCDS names parties by it, so it is plain
// ASCII that needs no escaping in a URL.
var orgIdentifierPattern = regexp.MustCompile(`^[A-Z]{2}-[A-Z0-9]{2,12}-[A-Za-z0-9][A-Za-z0-9-]*$`)

// NewOrganisation is the input for CreateOrganisation.
type NewOrganisation struct {
	Name       string
	Type       string
	Identifier string
}

// Validate returns the invalid fields in form order, or nil.
func (n NewOrganisation) Validate() []FieldError {
	var errs []FieldError
	if _, fe := OrgNameText.Check(n.Name); fe != nil {
		errs = append(errs, *fe)
	}
	if !validChoice(OrgTypes, n.Type) {
		errs = append(errs, FieldError{"type", "Select the type of organisation"})
	}
	if id, fe := IdentifierText.Check(n.Identifier); fe != nil {
		errs = append(errs, *fe)
	} else if !orgIdentifierPattern.MatchString(id) {
		errs = append(errs, FieldError{"identifier", "Enter the identifier as a scheme and a number, such as GB-LAC-E10000014 or GB-COH-01234567 (capital letters, digits and hyphens)"})
	}
	return errs
}

// CreateOrganisation adds an organisation (admins only).
func (db *DB) CreateOrganisation(ctx context.Context, actor *User, n NewOrganisation) (Organisation, error) {
	if err := requireAdmin(actor); err != nil {
		return Organisation{}, err
	}
	var o Organisation
	err := db.write(ctx, func(tx *sql.Tx) error {
		now := db.Now()
		var err error
		if o, err = createOrganisation(ctx, tx, n, now); err != nil {
			return err
		}
		return audit(ctx, tx, AuditEvent{At: now, Actor: ActorOf(actor), Subject: Subject{SubjectOrganisation, o.ID}, OrgID: o.ID,
			Action: ActionCreateOrganisation, To: "active", Details: Details{"name": o.Name, "type": o.Type, "identifier": o.Identifier}})
	})
	return o, err
}

// createOrganisation validates n, including that the name is new, and
// inserts it.
func createOrganisation(ctx context.Context, tx *sql.Tx, n NewOrganisation, now time.Time) (Organisation, error) {
	o := Organisation{Name: strings.TrimSpace(n.Name), Type: n.Type, Identifier: strings.TrimSpace(n.Identifier), Active: true}
	errs := n.Validate()
	if FieldMessage(errs, "name") == "" {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM organisations WHERE name = ? COLLATE NOCASE)`, o.Name).Scan(&exists); err != nil {
			return o, err
		}
		if exists {
			errs = append(errs, FieldError{"name", "An organisation with this name already exists"})
			sortFields(errs, "name", "type", "identifier")
		}
	}
	if FieldMessage(errs, "identifier") == "" {
		var holder string
		err := tx.QueryRowContext(ctx, `SELECT name FROM organisations WHERE identifier = ? COLLATE NOCASE`, o.Identifier).Scan(&holder)
		if err == nil {
			errs = append(errs, FieldError{"identifier", "This identifier already belongs to " + holder + ": every organisation’s identifier is unique"})
			sortFields(errs, "name", "type", "identifier")
		} else if !errors.Is(err, sql.ErrNoRows) {
			return o, err
		}
	}
	if errs != nil {
		return o, Invalid(errs...)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO organisations (name, type, identifier, created_at) VALUES (?, ?, ?, ?)`,
		o.Name, o.Type, o.Identifier, now.UTC().Format(time.RFC3339))
	if err != nil {
		return o, err
	}
	o.ID, err = res.LastInsertId()
	return o, err
}

const orgColumns = `o.id, o.name, o.type, o.identifier, o.active, (SELECT count(*) FROM users u WHERE u.org_id = o.id)`

func scanOrg(row interface{ Scan(...any) error }) (Organisation, error) {
	var o Organisation
	err := row.Scan(&o.ID, &o.Name, &o.Type, &o.Identifier, &o.Active, &o.Users)
	return o, err
}

// Organisations lists every organisation by name (admins only).
func (db *DB) Organisations(ctx context.Context, actor *User) ([]Organisation, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	var out []Organisation
	err := db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+orgColumns+` FROM organisations o ORDER BY o.name COLLATE NOCASE`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			o, err := scanOrg(rows)
			if err != nil {
				return err
			}
			out = append(out, o)
		}
		return rows.Err()
	})
	return out, err
}

// Organisation returns an organisation and its members. Admins see any;
// everyone else only their own: another organisation is ENOTFOUND.
func (db *DB) Organisation(ctx context.Context, actor *User, id int64) (Organisation, []User, error) {
	if actor == nil || (!actor.Is(RoleAdmin) && actor.OrgID != id) {
		return Organisation{}, nil, Errorf(ENOTFOUND, "Organisation not found.")
	}
	var o Organisation
	var members []User
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		o, err = scanOrg(tx.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organisations o WHERE o.id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return Errorf(ENOTFOUND, "Organisation not found.")
		} else if err != nil {
			return err
		}
		members, err = queryUsers(ctx, tx, `WHERE u.org_id = ? ORDER BY u.name COLLATE NOCASE`, id)
		return err
	})
	return o, members, err
}

// OrganisationByName finds an organisation by name, ignoring case.
func (db *DB) OrganisationByName(ctx context.Context, name string) (Organisation, error) {
	var o Organisation
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		o, err = scanOrg(tx.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organisations o WHERE o.name = ? COLLATE NOCASE`, strings.TrimSpace(name)))
		if errors.Is(err, sql.ErrNoRows) {
			return Errorf(ENOTFOUND, "No organisation is called %q.", name)
		}
		return err
	})
	return o, err
}

// SetOrganisationActive enables or disables an organisation (admins only).
// Disabling one signs its users out and stops them signing in; admins cannot
// disable their own organisation.
func (db *DB) SetOrganisationActive(ctx context.Context, actor *User, id int64, active bool) (Organisation, error) {
	if err := requireAdmin(actor); err != nil {
		return Organisation{}, err
	}
	if !active && actor.OrgID == id {
		return Organisation{}, Errorf(EINVALID, "You cannot disable your own organisation.")
	}
	var o Organisation
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := setActive(ctx, tx, actor, Subject{SubjectOrganisation, id}, active, db.Now()); err != nil {
			return err
		}
		if !active {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE org_id = ?)`, id); err != nil {
				return err
			}
		}
		var err error
		o, err = scanOrg(tx.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organisations o WHERE o.id = ?`, id))
		return err
	})
	return o, err
}

// NewUser is the input for CreateUser.
type NewUser struct {
	Name         string
	Email        string
	OrgID        int64
	Role         string
	SupplierSlug string // supplier users only
	Password     string
}

// Validate returns the invalid fields in form order, or nil. Rules that need
// the database (organisation type, supplier, unique email) are checked by
// CreateUser.
func (n NewUser) Validate() []FieldError {
	var errs []FieldError
	if _, fe := PersonNameText.Check(n.Name); fe != nil {
		errs = append(errs, *fe)
	}
	if fe := checkEmail("email", n.Email); fe != nil {
		errs = append(errs, *fe)
	}
	if n.OrgID <= 0 {
		errs = append(errs, FieldError{"org", "Select an organisation"})
	}
	if !validChoice(Roles, n.Role) {
		errs = append(errs, FieldError{"role", "Select a role"})
	} else if n.Role == RoleSupplier && strings.TrimSpace(n.SupplierSlug) == "" {
		errs = append(errs, FieldError{"supplier", "Select the supplier whose catalogue they keep"})
	}
	if fe := checkNewPassword("password", n.Password, n.Name, n.Email); fe != nil {
		errs = append(errs, *fe)
	}
	return errs
}

func checkEmail(field, email string) *FieldError {
	if _, fe := EmailText.For(field).Check(email); fe != nil {
		return fe
	}
	e := NormaliseEmail(email)
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || len(e) > 254 || !strings.Contains(e[strings.LastIndexByte(e, '@')+1:], ".") {
		return &FieldError{field, "Enter an email address in the correct format, like name@example.gov.uk"}
	}
	return nil
}

// CreateUser adds an account (admins only). The organisation must suit the
// role: reviewers belong to CCS, supplier users to a supplier organisation
// and a supplier in the catalogue, buyers to a public body.
func (db *DB) CreateUser(ctx context.Context, actor *User, n NewUser) (User, error) {
	if err := requireAdmin(actor); err != nil {
		return User{}, err
	}
	errs := n.Validate()
	var hash string
	if errs == nil {
		var err error
		if hash, err = hashPassword(ctx, n.Password); err != nil {
			return User{}, err
		}
	}
	var u User
	err := db.write(ctx, func(tx *sql.Tx) error {
		now := db.Now()
		id, err := createUserChecked(ctx, tx, n, hash, now, errs)
		if err != nil {
			return err
		}
		if u, err = userByID(ctx, tx, id); err != nil {
			return err
		}
		return audit(ctx, tx, AuditEvent{At: now, Actor: ActorOf(actor), Subject: Subject{SubjectUser, id}, OrgID: u.OrgID,
			Action: ActionCreateUser, To: "active", Details: Details{"name": u.Name, "email": u.Email, "role": u.Role, "supplier": u.SupplierSlug}})
	})
	return u, err
}

// setActive enables or disables a user or an organisation (the subject),
// recording it in the audit trail; an unknown one is ENOTFOUND.
func setActive(ctx context.Context, tx *sql.Tx, actor *User, s Subject, active bool, now time.Time) error {
	table, orgCol, missing, enable, disable := "users", "org_id", "User not found.", ActionEnableUser, ActionDisableUser
	if s.Kind == SubjectOrganisation {
		table, orgCol, missing, enable, disable = "organisations", "id", "Organisation not found.", ActionEnableOrganisation, ActionDisableOrganisation
	}
	action := enable
	if !active {
		action = disable
	}
	var was bool
	var orgID int64
	err := tx.QueryRowContext(ctx, `SELECT active, `+orgCol+` FROM `+table+` WHERE id = ?`, s.ID).Scan(&was, &orgID)
	if errors.Is(err, sql.ErrNoRows) {
		return Errorf(ENOTFOUND, "%s", missing)
	} else if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET active = ? WHERE id = ?`, active, s.ID); err != nil {
		return err
	}
	return audit(ctx, tx, AuditEvent{At: now, Actor: ActorOf(actor), Subject: s, OrgID: orgID,
		Action: action, From: activeState(was), To: activeState(active)})
}

// activeState names an account's or organisation's state in the audit trail.
func activeState(active bool) string {
	if active {
		return "active"
	}
	return "disabled"
}

// createUser checks the rules that need the database and inserts the user
// with an already computed password hash (n.Password is ignored).
func createUser(ctx context.Context, tx *sql.Tx, n NewUser, hash string, now time.Time) (int64, error) {
	return createUserChecked(ctx, tx, n, hash, now, nil)
}

// createUserChecked is createUser that adds the database rules' errors to
// errs (from NewUser.Validate) and inserts only when there are none.
func createUserChecked(ctx context.Context, tx *sql.Tx, n NewUser, hash string, now time.Time, errs []FieldError) (int64, error) {
	email := NormaliseEmail(n.Email)
	if FieldMessage(errs, "email") == "" {
		var taken bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE email = ?)`, email).Scan(&taken); err != nil {
			return 0, err
		}
		if taken {
			errs = append(errs, FieldError{"email", "An account with this email address already exists"})
		}
	}
	var orgType string
	var orgActive bool
	err := tx.QueryRowContext(ctx, `SELECT type, active FROM organisations WHERE id = ?`, n.OrgID).Scan(&orgType, &orgActive)
	switch {
	case FieldMessage(errs, "org") != "" || FieldMessage(errs, "role") != "":
		// already reported
	case errors.Is(err, sql.ErrNoRows) || (err == nil && !orgActive):
		errs = append(errs, FieldError{"org", "Select an organisation"})
	case err != nil:
		return 0, err
	case n.Role == RoleReviewer && orgType != OrgCCS:
		errs = append(errs, FieldError{"role", "Reviewers must belong to Crown Commercial Service"})
	case n.Role == RoleSupplier && orgType != OrgSupplier:
		errs = append(errs, FieldError{"role", "Supplier users must belong to a supplier organisation"})
	case n.Role == RoleBuyer && (orgType == OrgSupplier || orgType == OrgCCS):
		errs = append(errs, FieldError{"role", "Buyers must belong to a public body, not CCS or a supplier"})
	}
	var supplierID sql.NullInt64
	if n.Role == RoleSupplier && FieldMessage(errs, "supplier") == "" {
		err := tx.QueryRowContext(ctx, `SELECT id FROM suppliers WHERE slug = ?`, strings.TrimSpace(n.SupplierSlug)).Scan(&supplierID)
		if errors.Is(err, sql.ErrNoRows) {
			errs = append(errs, FieldError{"supplier", "Select the supplier whose catalogue they keep"})
		} else if err != nil {
			return 0, err
		}
	}
	if errs != nil {
		sortFields(errs, "name", "email", "org", "role", "supplier", "password")
		return 0, Invalid(errs...)
	}
	if hash == "" {
		return 0, errors.New("create user: no password hash")
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO users (email, name, org_id, role, supplier_id, password_hash, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, email, strings.TrimSpace(n.Name), n.OrgID, n.Role, supplierID, hash, now.UTC().Format(time.RFC3339))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// FieldMessage returns the message for field in errs, or "".
func FieldMessage(errs []FieldError, field string) string {
	for _, e := range errs {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// sortFields orders field errors by the fields' order on the form.
func sortFields(errs []FieldError, order ...string) {
	pos := func(f string) int {
		for i, o := range order {
			if o == f {
				return i
			}
		}
		return len(order)
	}
	for i := 1; i < len(errs); i++ {
		for j := i; j > 0 && pos(errs[j].Field) < pos(errs[j-1].Field); j-- {
			errs[j], errs[j-1] = errs[j-1], errs[j]
		}
	}
}

const userColumns = `u.id, u.email, u.name, u.role, u.org_id, o.name, o.type, coalesce(u.supplier_id, 0), coalesce(s.slug, ''), u.active AND o.active`

const userFrom = ` FROM users u JOIN organisations o ON o.id = u.org_id LEFT JOIN suppliers s ON s.id = u.supplier_id `

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.OrgID, &u.OrgName, &u.OrgType, &u.SupplierID, &u.SupplierSlug, &u.Active)
	return u, err
}

func queryUsers(ctx context.Context, tx *sql.Tx, where string, args ...any) ([]User, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+userColumns+userFrom+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func userByID(ctx context.Context, tx *sql.Tx, id int64) (User, error) {
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+userFrom+`WHERE u.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, Errorf(ENOTFOUND, "User not found.")
	}
	return u, err
}

// Users lists every account by organisation and name (admins only). Active
// is false when either the account or its organisation is disabled.
func (db *DB) Users(ctx context.Context, actor *User) ([]User, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	var out []User
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = queryUsers(ctx, tx, `ORDER BY o.name COLLATE NOCASE, u.name COLLATE NOCASE`)
		return err
	})
	return out, err
}

// UserByEmail finds an account by email (admins only).
func (db *DB) UserByEmail(ctx context.Context, actor *User, email string) (User, error) {
	if err := requireAdmin(actor); err != nil {
		return User{}, err
	}
	var u User
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+userFrom+`WHERE u.email = ?`, NormaliseEmail(email)))
		if errors.Is(err, sql.ErrNoRows) {
			return Errorf(ENOTFOUND, "No account has the email address %s.", NormaliseEmail(email))
		}
		return err
	})
	return u, err
}

// SessionUser returns the user a session belongs to, if that user and their
// organisation are still active; otherwise EUNAUTHORIZED.
func (db *DB) SessionUser(ctx context.Context, id int64) (User, error) {
	var u User
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = userByID(ctx, tx, id)
		if ErrorCode(err) == ENOTFOUND || (err == nil && !u.Active) {
			return Errorf(EUNAUTHORIZED, "Sign in to continue.")
		}
		return err
	})
	return u, err
}

// SetUserActive enables or disables an account (admins only). Disabling
// deletes the user's sessions, so they are signed out at once; admins cannot
// disable themselves.
func (db *DB) SetUserActive(ctx context.Context, actor *User, id int64, active bool) (User, error) {
	if err := requireAdmin(actor); err != nil {
		return User{}, err
	}
	if !active && actor.ID == id {
		return User{}, Errorf(EINVALID, "You cannot disable your own account.")
	}
	var u User
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := setActive(ctx, tx, actor, Subject{SubjectUser, id}, active, db.Now()); err != nil {
			return err
		}
		if !active {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return err
			}
		}
		var err error
		u, err = userByID(ctx, tx, id)
		return err
	})
	return u, err
}

// SetPassword replaces a user's password (admins and the command line). It
// ends the user's sessions, forgets the browsers they signed in from and
// clears any temporary lock.
func (db *DB) SetPassword(ctx context.Context, actor *User, email, password string) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	var name string
	err := db.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT name FROM users WHERE email = ?`, NormaliseEmail(email)).Scan(&name)
	})
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if fe := checkNewPassword("password", password, name, email); fe != nil {
		return Invalid(*fe)
	}
	hash, err := hashPassword(ctx, password)
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		var id, orgID int64
		err := tx.QueryRowContext(ctx, `UPDATE users SET password_hash = ?, locked_until = 0 WHERE email = ? RETURNING id, org_id`, hash, NormaliseEmail(email)).Scan(&id, &orgID)
		if errors.Is(err, sql.ErrNoRows) {
			return Errorf(ENOTFOUND, "No account has the email address %s.", NormaliseEmail(email))
		} else if err != nil {
			return err
		}
		if err := audit(ctx, tx, AuditEvent{At: db.Now(), Actor: ActorOf(actor), Subject: Subject{SubjectUser, id}, OrgID: orgID,
			Action: ActionSetPassword}); err != nil {
			return err
		}
		// The old password's sessions end, and so does every browser's
		// exemption from the account lock: whoever signed in with the old
		// password must not keep guessing at the new one unhindered.
		for _, q := range []string{`DELETE FROM login_failures WHERE user_id = ?`, `DELETE FROM sessions WHERE user_id = ?`, `DELETE FROM devices WHERE user_id = ?`} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return err
			}
		}
		return recordSecurityEvent(ctx, tx, SecurityEvent{Kind: SecPasswordChanged, UserID: id, Detail: "by " + actor.Name}, db.Now())
	})
}

// SupplierChoices lists the catalogue's suppliers for linking supplier users.
func (db *DB) SupplierChoices(ctx context.Context) ([]Choice, error) {
	var out []Choice
	err := db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT slug, name FROM suppliers ORDER BY name`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c Choice
			if err := rows.Scan(&c.Value, &c.Label); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}
