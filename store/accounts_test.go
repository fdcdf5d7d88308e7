package store

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

// openAccountsDB opens a fresh database with a settable clock, cheap hashing
// and one catalogue supplier (for supplier users).
func openAccountsDB(t *testing.T) (*DB, *time.Time) {
	t.Helper()
	fastHashing(t)
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	if _, err := db.w.Exec(`INSERT INTO suppliers (slug, name) VALUES ('acme-telecom', 'Acme Telecom')`); err != nil {
		t.Fatal(err)
	}
	return db, &now
}

type testAccounts struct {
	north, east, ccs, supplier Organisation
	buyer, buyer2, reviewer    User
	supplierUser, admin        User
}

const testPassword = "correct horse battery"

// signIn signs in with an email and password from a browser the account
// does not know.
func signIn(db *DB, email, password string) (User, error) {
	r, err := db.SignIn(context.Background(), SignInAttempt{Email: email, Password: password, Client: Client{IP: "192.0.2.1"}})
	return r.User, err
}

func seedAccounts(t *testing.T, db *DB) testAccounts {
	t.Helper()
	ctx := context.Background()
	op := Operator()
	org := func(name, typ string) Organisation {
		o, err := db.CreateOrganisation(ctx, op, NewOrganisation{Name: name, Type: typ, Identifier: testIdentifier(typ)})
		if err != nil {
			t.Fatalf("create organisation %s: %v", name, err)
		}
		return o
	}
	var a testAccounts
	a.north = org("Northshire County Council", OrgCountyCouncil)
	a.east = org("Eastbridge Borough Council", OrgDistrictCouncil)
	a.ccs = org("Crown Commercial Service", OrgCCS)
	a.supplier = org("Acme Telecom Ltd", OrgSupplier)
	user := func(email, role string, o Organisation, supplier string) User {
		u, err := db.CreateUser(ctx, op, NewUser{Name: "Test " + role, Email: email, OrgID: o.ID, Role: role, SupplierSlug: supplier, Password: testPassword})
		if err != nil {
			t.Fatalf("create user %s: %v", email, err)
		}
		return u
	}
	a.buyer = user("Buyer@Northshire.example", RoleBuyer, a.north, "")
	a.buyer2 = user("buyer@eastbridge.example", RoleBuyer, a.east, "")
	a.reviewer = user("reviewer@ccs.example", RoleReviewer, a.ccs, "")
	a.supplierUser = user("catalogue@acme.example", RoleSupplier, a.supplier, "acme-telecom")
	a.admin = user("admin@portal.example", RoleAdmin, a.ccs, "")
	return a
}

func TestCreateUser(t *testing.T) {
	db, _ := openAccountsDB(t)
	ctx := context.Background()
	a := seedAccounts(t, db)

	t.Run("email is stored lower-case and the user carries the organisation", func(t *testing.T) {
		if a.buyer.Email != "buyer@northshire.example" || a.buyer.OrgName != "Northshire County Council" || !a.buyer.Active || a.buyer.Role != RoleBuyer {
			t.Fatalf("got %+v", a.buyer)
		}
		if a.supplierUser.SupplierSlug != "acme-telecom" || a.supplierUser.SupplierID == 0 {
			t.Fatalf("supplier user: got supplier %q/%d, want acme-telecom", a.supplierUser.SupplierSlug, a.supplierUser.SupplierID)
		}
	})
	tests := []struct {
		name string
		in   NewUser
		want []string // field names in order
	}{
		{"everything missing", NewUser{}, []string{"name", "email", "org", "role", "password"}},
		{"duplicate email in another case", NewUser{Name: "X", Email: " BUYER@northshire.EXAMPLE ", OrgID: a.north.ID, Role: RoleBuyer, Password: testPassword}, []string{"email"}},
		{"malformed email", NewUser{Name: "X", Email: "Name <x@y.example>", OrgID: a.north.ID, Role: RoleBuyer, Password: testPassword}, []string{"email"}},
		{"short password", NewUser{Name: "X", Email: "x@y.example", OrgID: a.north.ID, Role: RoleBuyer, Password: "short"}, []string{"password"}},
		{"reviewer outside CCS", NewUser{Name: "X", Email: "x@y.example", OrgID: a.north.ID, Role: RoleReviewer, Password: testPassword}, []string{"role"}},
		{"buyer in a supplier", NewUser{Name: "X", Email: "x@y.example", OrgID: a.supplier.ID, Role: RoleBuyer, Password: testPassword}, []string{"role"}},
		{"supplier without supplier", NewUser{Name: "X", Email: "x@y.example", OrgID: a.supplier.ID, Role: RoleSupplier, Password: testPassword}, []string{"supplier"}},
		{"supplier with unknown supplier", NewUser{Name: "X", Email: "x@y.example", OrgID: a.supplier.ID, Role: RoleSupplier, SupplierSlug: "nope", Password: testPassword}, []string{"supplier"}},
		{"unknown organisation and duplicate email", NewUser{Name: "X", Email: "admin@portal.example", OrgID: 999, Role: RoleAdmin, Password: testPassword}, []string{"email", "org"}},
		{"unknown role", NewUser{Name: "X", Email: "x@y.example", OrgID: a.north.ID, Role: "root", Password: testPassword}, []string{"role"}},
	}
	for _, tt := range tests {
		t.Run("rejects "+tt.name, func(t *testing.T) {
			_, err := db.CreateUser(ctx, Operator(), tt.in)
			if ErrorCode(err) != EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			var got []string
			for _, f := range ErrorFields(err) {
				got = append(got, f.Field)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("fields = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("only admins create users and organisations", func(t *testing.T) {
		b := a.buyer
		if _, err := db.CreateUser(ctx, &b, NewUser{Name: "X", Email: "x@y.example", OrgID: a.north.ID, Role: RoleBuyer, Password: testPassword}); ErrorCode(err) != EFORBIDDEN {
			t.Fatalf("buyer creating a user: err = %v, want EFORBIDDEN", err)
		}
		if _, err := db.CreateOrganisation(ctx, nil, NewOrganisation{Name: "X", Type: OrgOther}); ErrorCode(err) != EFORBIDDEN {
			t.Fatalf("nobody creating an organisation: err = %v, want EFORBIDDEN", err)
		}
		if _, err := db.Users(ctx, &b); ErrorCode(err) != EFORBIDDEN {
			t.Fatalf("buyer listing users: err = %v, want EFORBIDDEN", err)
		}
	})
	t.Run("organisation names are unique ignoring case", func(t *testing.T) {
		_, err := db.CreateOrganisation(ctx, Operator(), NewOrganisation{Name: "northshire county council", Type: OrgCountyCouncil, Identifier: "GB-LAC-E19999999"})
		if fe := ErrorFields(err); len(fe) != 1 || fe[0].Field != "name" {
			t.Fatalf("err = %v, want a name field error", err)
		}
	})
}

func TestSignIn(t *testing.T) {
	db, now := openAccountsDB(t)
	ctx := context.Background()
	a := seedAccounts(t, db)

	failed := func(t *testing.T, email, pw string) {
		t.Helper()
		_, err := signIn(db, email, pw)
		if ErrorCode(err) != EUNAUTHORIZED || ErrorMessage(err) != SignInFailed {
			t.Fatalf("SignIn(%q, %q) err = %v, want EUNAUTHORIZED with the generic message", email, pw, err)
		}
	}
	ok := func(t *testing.T, email, pw string) User {
		t.Helper()
		u, err := signIn(db, email, pw)
		if err != nil {
			t.Fatalf("SignIn(%q) err = %v, want success", email, err)
		}
		return u
	}

	t.Run("right password signs in, email in any case", func(t *testing.T) {
		u := ok(t, " BUYER@northshire.example", testPassword)
		if u.ID != a.buyer.ID || u.OrgID != a.north.ID {
			t.Fatalf("got user %d org %d, want %d %d", u.ID, u.OrgID, a.buyer.ID, a.north.ID)
		}
	})
	t.Run("wrong password, unknown email and empty password fail alike", func(t *testing.T) {
		failed(t, "buyer@northshire.example", "wrong password!")
		failed(t, "nobody@northshire.example", testPassword)
		failed(t, "buyer@northshire.example", "")
		ok(t, "buyer@northshire.example", testPassword) // resets the count
	})
	t.Run("five failures lock the account for 15 minutes, even with the right password", func(t *testing.T) {
		for range LockThreshold {
			failed(t, "reviewer@ccs.example", "wrong password!")
		}
		failed(t, "reviewer@ccs.example", testPassword)
		*now = now.Add(LockFor - time.Second)
		failed(t, "reviewer@ccs.example", testPassword)
		*now = now.Add(time.Second)
		ok(t, "reviewer@ccs.example", testPassword)
	})
	t.Run("four failures then a success do not lock", func(t *testing.T) {
		for range LockThreshold - 1 {
			failed(t, "admin@portal.example", "wrong password!")
		}
		ok(t, "admin@portal.example", testPassword)
		for range LockThreshold - 1 {
			failed(t, "admin@portal.example", "wrong password!")
		}
		ok(t, "admin@portal.example", testPassword)
	})
	t.Run("failures spread over more than 15 minutes do not lock", func(t *testing.T) {
		for range LockThreshold {
			failed(t, "buyer@eastbridge.example", "wrong password!")
			*now = now.Add(4 * time.Minute)
		}
		ok(t, "buyer@eastbridge.example", testPassword)
	})
	t.Run("disabled user cannot sign in", func(t *testing.T) {
		if _, err := db.SetUserActive(ctx, Operator(), a.supplierUser.ID, false); err != nil {
			t.Fatal(err)
		}
		failed(t, "catalogue@acme.example", testPassword)
		if _, err := db.SetUserActive(ctx, Operator(), a.supplierUser.ID, true); err != nil {
			t.Fatal(err)
		}
		ok(t, "catalogue@acme.example", testPassword)
	})
	t.Run("user of a disabled organisation cannot sign in", func(t *testing.T) {
		if _, err := db.SetOrganisationActive(ctx, Operator(), a.east.ID, false); err != nil {
			t.Fatal(err)
		}
		failed(t, "buyer@eastbridge.example", testPassword)
		if _, err := db.SessionUser(ctx, a.buyer2.ID); ErrorCode(err) != EUNAUTHORIZED {
			t.Fatalf("SessionUser of a disabled organisation: err = %v, want EUNAUTHORIZED", err)
		}
	})
	t.Run("a hash with old parameters is upgraded at sign-in", func(t *testing.T) {
		setTestParams(argonParams{Memory: 128, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
		t.Cleanup(func() { fastHashing(t) })
		ok(t, "buyer@northshire.example", testPassword)
		var h string
		db.w.QueryRow(`SELECT password_hash FROM users WHERE id = ?`, a.buyer.ID).Scan(&h)
		if !strings.HasPrefix(h, "$argon2id$v=19$m=128,t=1,p=1$") {
			t.Fatalf("hash after sign-in %q, want the new parameters m=128", h)
		}
		ok(t, "buyer@northshire.example", testPassword)
	})
}

func TestSetPassword(t *testing.T) {
	db, _ := openAccountsDB(t)
	ctx := context.Background()
	seedAccounts(t, db)
	for range LockThreshold {
		signIn(db, "buyer@northshire.example", "wrong password!")
	}
	if err := db.SetPassword(ctx, Operator(), "buyer@northshire.example", "short"); ErrorCode(err) != EINVALID {
		t.Fatalf("short password: err = %v, want EINVALID", err)
	}
	if err := db.SetPassword(ctx, Operator(), "nobody@example.com", "a new long password"); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("unknown email: err = %v, want ENOTFOUND", err)
	}
	if err := db.SetPassword(ctx, Operator(), "BUYER@northshire.example", "a new long password"); err != nil {
		t.Fatal(err)
	}
	if _, err := signIn(db, "buyer@northshire.example", testPassword); err == nil {
		t.Fatal("old password still works")
	}
	if _, err := signIn(db, "buyer@northshire.example", "a new long password"); err != nil {
		t.Fatalf("new password (which also clears the lock): %v", err)
	}
}

func TestOrganisationIsScopedToMembers(t *testing.T) {
	db, _ := openAccountsDB(t)
	ctx := context.Background()
	a := seedAccounts(t, db)
	t.Run("own organisation with its members", func(t *testing.T) {
		o, members, err := db.Organisation(ctx, &a.buyer, a.north.ID)
		if err != nil || o.Name != a.north.Name || len(members) != 1 || members[0].ID != a.buyer.ID {
			t.Fatalf("got %+v %v %v", o, members, err)
		}
	})
	t.Run("another organisation is not found", func(t *testing.T) {
		if _, _, err := db.Organisation(ctx, &a.buyer, a.east.ID); ErrorCode(err) != ENOTFOUND {
			t.Fatalf("err = %v, want ENOTFOUND", err)
		}
	})
	t.Run("admins see any organisation", func(t *testing.T) {
		if _, _, err := db.Organisation(ctx, &a.admin, a.east.ID); err != nil {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("admins cannot disable themselves or their organisation", func(t *testing.T) {
		if _, err := db.SetUserActive(ctx, &a.admin, a.admin.ID, false); ErrorCode(err) != EINVALID {
			t.Fatalf("disable self: err = %v, want EINVALID", err)
		}
		if _, err := db.SetOrganisationActive(ctx, &a.admin, a.ccs.ID, false); ErrorCode(err) != EINVALID {
			t.Fatalf("disable own organisation: err = %v, want EINVALID", err)
		}
	})
}

func TestDatabaseFilesAreOwnerOnly(t *testing.T) {
	old := syscall.Umask(0) // the modes must not depend on the umask
	t.Cleanup(func() { syscall.Umask(old) })
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "portal.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.RotateKeys(ctx); err != nil { // a write, so the WAL exists
		t.Fatal(err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "backup.db")
	if err := db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", backup} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(p), err)
			continue
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want -rw-------", filepath.Base(p), fi.Mode().Perm())
		}
	}
}

// testIdentifier makes a valid, unique organisation identifier from a name.
func testIdentifier(name string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(name) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return "GB-TEST-" + b.String()
}
