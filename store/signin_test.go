package store

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// attempt signs in from a browser holding device (a device token or "").
func attempt(t *testing.T, db *DB, email, password, device string) SignInResult {
	t.Helper()
	r, err := db.SignIn(context.Background(), SignInAttempt{Email: email, Password: password, Device: device,
		Client: Client{IP: "198.51.100.9", UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"}})
	if r.Outcome == OutcomeOK && err != nil || r.Outcome != OutcomeOK && ErrorCode(err) != EUNAUTHORIZED {
		t.Fatalf("SignIn(%s): outcome %s, err %v", email, r.Outcome, err)
	}
	return r
}

// events returns the kinds of the security log's rows for user id, oldest first.
func events(t *testing.T, db *DB, userID int64) []string {
	t.Helper()
	rows, err := db.r.Query(`SELECT kind FROM security_events WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		rows.Scan(&k)
		out = append(out, k)
	}
	return out
}

func countKind(kinds []string, kind string) int {
	n := 0
	for _, k := range kinds {
		if k == kind {
			n++
		}
	}
	return n
}

func TestDeviceCookiesKeepTheHolderIn(t *testing.T) {
	db, now := openAccountsDB(t)
	a := seedAccounts(t, db)
	email := a.reviewer.Email

	first := attempt(t, db, email, testPassword, "")
	if first.Outcome != OutcomeOK || first.Device == "" || first.KnownBrowser {
		t.Fatalf("first sign-in: %+v, want ok with a new device token from an unknown browser", first)
	}
	device := first.Device

	// Issue 14, defect 1: strangers guess until the account locks.
	for i := range 7 {
		r := attempt(t, db, email, "wrong password!", "")
		want := OutcomeFailed
		switch {
		case i == LockThreshold-1:
			want = OutcomeLockedBy
		case i >= LockThreshold:
			want = OutcomeLocked
		}
		if r.Outcome != want {
			t.Fatalf("guess %d: outcome %s, want %s", i+1, r.Outcome, want)
		}
	}
	t.Run("strangers are locked out, even with the right password", func(t *testing.T) {
		if r := attempt(t, db, email, testPassword, ""); r.Outcome != OutcomeLocked {
			t.Fatalf("right password from an unknown browser: %s, want locked", r.Outcome)
		}
		if r := attempt(t, db, email, testPassword, "forged-token"); r.Outcome != OutcomeLocked {
			t.Fatalf("a made-up device token: %s, want locked", r.Outcome)
		}
	})
	t.Run("the holder signs in from the browser they used before", func(t *testing.T) {
		r := attempt(t, db, email, testPassword, device)
		if r.Outcome != OutcomeOK || !r.KnownBrowser || r.User.ID != a.reviewer.ID {
			t.Fatalf("holder's browser: %+v, want ok as a known browser", r)
		}
		if r.Device == "" || r.Device == device {
			t.Fatal("the device token was not renewed at sign-in")
		}
		if again := attempt(t, db, email, testPassword, device); again.KnownBrowser {
			t.Fatal("the replaced device token is still known")
		}
		device = r.Device
	})
	t.Run("another account's device token does not help", func(t *testing.T) {
		other := attempt(t, db, a.admin.Email, testPassword, "")
		if r := attempt(t, db, email, testPassword, other.Device); r.Outcome != OutcomeLocked {
			t.Fatalf("admin's device for the reviewer: %s, want locked", r.Outcome)
		}
	})
	t.Run("the holder is told once, and the log has the lock", func(t *testing.T) {
		kinds := events(t, db, a.reviewer.ID)
		if n := countKind(kinds, SecAccountLocked); n != 1 {
			t.Errorf("%d account_locked rows, want 1: %v", n, kinds)
		}
		if n := countKind(kinds, SecGuessingNotice); n != 1 {
			t.Errorf("%d guessing notices, want 1: %v", n, kinds)
		}
		if n := countKind(kinds, SecSignInLocked); n < 3 {
			t.Errorf("%d refused-while-locked rows, want at least 3: %v", n, kinds)
		}
	})
	t.Run("a second lock the same day sends no second notice; the next day's does", func(t *testing.T) {
		*now = now.Add(LockFor)
		for range LockThreshold {
			attempt(t, db, email, "wrong password!", "")
		}
		kinds := events(t, db, a.reviewer.ID)
		if countKind(kinds, SecAccountLocked) != 2 || countKind(kinds, SecGuessingNotice) != 1 {
			t.Fatalf("after a second lock within a day: %d locks, %d notices; want 2 and 1", countKind(kinds, SecAccountLocked), countKind(kinds, SecGuessingNotice))
		}
		*now = now.Add(24 * time.Hour)
		for range LockThreshold {
			attempt(t, db, email, "wrong password!", "")
		}
		if n := countKind(events(t, db, a.reviewer.ID), SecGuessingNotice); n != 2 {
			t.Fatalf("a lock a day later: %d notices, want 2", n)
		}
		// Each notice is a message to the holder, in /messages (and by email).
		holder := a.reviewer
		mp, err := db.Messages(context.Background(), &holder, 1)
		if err != nil {
			t.Fatal(err)
		}
		var told int
		for _, m := range mp.Messages {
			if m.Kind == MsgAccountGuessed {
				told++
				if m.Body != GuessingNotice || m.Path != "/account/sessions" {
					t.Errorf("message %+v", m)
				}
			}
		}
		if told != 2 {
			t.Fatalf("the holder got %d messages about guessing, want 2 (one a day)", told)
		}
	})
	t.Run("a known browser's own failures lock only that browser", func(t *testing.T) {
		*now = now.Add(LockFor)
		for range LockThreshold {
			attempt(t, db, email, "my typo!!", device)
		}
		if r := attempt(t, db, email, testPassword, device); r.KnownBrowser {
			t.Fatalf("after 5 failures the browser is still trusted: %+v", r)
		}
		if n := countKind(events(t, db, a.reviewer.ID), SecDeviceLocked); n != 1 {
			t.Fatalf("%d device_locked rows, want 1", n)
		}
	})
	t.Run("a password change forgets every browser", func(t *testing.T) {
		*now = now.Add(LockFor)
		r := attempt(t, db, email, testPassword, "")
		if err := db.SetPassword(context.Background(), Operator(), email, "an entirely new passphrase"); err != nil {
			t.Fatal(err)
		}
		if again := attempt(t, db, email, "an entirely new passphrase", r.Device); again.KnownBrowser {
			t.Fatal("a browser of the old password is still known")
		}
	})
}

func TestSecurityLogNamesAttemptsByHMAC(t *testing.T) {
	db, _ := openAccountsDB(t)
	seedAccounts(t, db)
	ctx := context.Background()
	attempt(t, db, " Nobody@Example.gov.uk ", "whatever it is", "")
	var account, ip, device, detail string
	var uid *int64
	if err := db.r.QueryRow(`SELECT account, ip, device, detail, user_id FROM security_events WHERE kind = ?`, SecSignInFailed).Scan(&account, &ip, &device, &detail, &uid); err != nil {
		t.Fatal(err)
	}
	if uid != nil || ip != "198.51.100.9" || device != "Firefox on Linux" {
		t.Fatalf("row: user %v, ip %q, device %q", uid, ip, device)
	}
	if account != db.AccountTag("nobody@example.gov.uk") || len(account) != 32 {
		t.Fatalf("account %q, want the 32-digit tag of the normalised address %q", account, db.AccountTag("nobody@example.gov.uk"))
	}
	var dump strings.Builder
	rows, _ := db.r.Query(`SELECT * FROM security_events`)
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		rows.Scan(ptrs...)
		for _, v := range vals {
			dump.WriteString(strings.ToLower(strings.TrimSpace(toString(v))) + "|")
		}
	}
	rows.Close()
	if strings.Contains(dump.String(), "nobody") {
		t.Fatalf("the log holds the address typed: %s", dump.String())
	}
	t.Run("the tag is keyed: another database tags the same address differently", func(t *testing.T) {
		other, _ := openAccountsDB(t)
		if other.AccountTag("nobody@example.gov.uk") == account {
			t.Fatal("two databases share the tag of an address: the key is not per database")
		}
	})
	t.Run("the filter by email finds attempts for an address with no account", func(t *testing.T) {
		p, err := db.SecurityEvents(ctx, Operator(), SecurityFilter{Email: "NOBODY@example.gov.uk"})
		if err != nil || p.Total != 1 || p.Events[0].Kind != SecSignInFailed {
			t.Fatalf("got %+v, %v; want the one failure", p, err)
		}
	})
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return ""
}

func TestSecurityEventsFiltersAndPurge(t *testing.T) {
	db, now := openAccountsDB(t)
	a := seedAccounts(t, db)
	ctx := context.Background()
	start := *now
	// Day 1: the buyer signs in; day 2: a failure from another address;
	// day 400: the admin signs in.
	attempt(t, db, a.buyer.Email, testPassword, "")
	*now = start.Add(24 * time.Hour)
	db.SignIn(ctx, SignInAttempt{Email: a.buyer.Email, Password: "wrong password!", Client: Client{IP: "203.0.113.7"}})
	*now = start.AddDate(0, 0, 400)
	attempt(t, db, a.admin.Email, testPassword, "")

	tests := []struct {
		name  string
		f     SecurityFilter
		kinds []string
	}{
		{"everything, newest first", SecurityFilter{}, []string{SecSignedIn, SecSignInFailed, SecSignedIn}},
		{"by kind", SecurityFilter{Kind: SecSignInFailed}, []string{SecSignInFailed}},
		{"by account", SecurityFilter{Email: " BUYER@northshire.example"}, []string{SecSignInFailed, SecSignedIn}},
		{"by address", SecurityFilter{IP: "203.0.113.7"}, []string{SecSignInFailed}},
		{"from a UK date", SecurityFilter{From: start.AddDate(0, 0, 1).Format(time.DateOnly)}, []string{SecSignedIn, SecSignInFailed}},
		{"up to a UK date, inclusive", SecurityFilter{To: start.Format(time.DateOnly)}, []string{SecSignedIn}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := db.SecurityEvents(ctx, Operator(), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range p.Events {
				got = append(got, e.Kind)
			}
			if strings.Join(got, ",") != strings.Join(tt.kinds, ",") || p.Total != len(tt.kinds) {
				t.Fatalf("got %v (total %d), want %v", got, p.Total, tt.kinds)
			}
		})
	}
	t.Run("bad filters are field errors", func(t *testing.T) {
		_, err := db.SecurityEvents(ctx, Operator(), SecurityFilter{Kind: "nope", Email: "a\x00b@example.gov.uk", IP: "192.0.2.1\u202e", From: "2026-02-30", To: "yesterday", Page: "0"})
		var fields []string
		for _, f := range ErrorFields(err) {
			fields = append(fields, f.Field)
		}
		if strings.Join(fields, ",") != "kind,email,ip,from,to,page" {
			t.Fatalf("fields %v, want kind,email,ip,from,to,page", fields)
		}
	})
	t.Run("admins only", func(t *testing.T) {
		for _, u := range []User{a.buyer, a.reviewer, a.supplierUser} {
			if _, err := db.SecurityEvents(ctx, &u, SecurityFilter{}); ErrorCode(err) != EFORBIDDEN {
				t.Errorf("%s: err %v, want EFORBIDDEN", u.Role, err)
			}
		}
	})
	t.Run("the purge keeps exactly a year", func(t *testing.T) {
		// At day 366 + 1 s the day-1 row is more than a year old; the day-2
		// row is not.
		n, err := db.PurgeSecurityEvents(ctx, start.AddDate(1, 0, 0).Add(time.Second))
		if err != nil || n != 1 {
			t.Fatalf("purge: %d rows, %v; want 1", n, err)
		}
		p, _ := db.SecurityEvents(ctx, Operator(), SecurityFilter{})
		if p.Total != 2 || p.Events[1].Kind != SecSignInFailed {
			t.Fatalf("after the purge: %+v", p.Events)
		}
		if n, _ := db.PurgeSecurityEvents(ctx, start.AddDate(1, 0, 0).Add(time.Second)); n != 0 {
			t.Fatalf("a second purge deleted %d rows", n)
		}
	})
}

// TestSweeperPurgesTheSecurityLog: the server's sweeper deletes security-log
// rows more than a year old on its own, at the time the injected clock says
// (PRODUCT.md §5: kept for one year), and keeps younger ones.
func TestSweeperPurgesTheSecurityLog(t *testing.T) {
	db, _ := openAccountsDB(t)
	a := seedAccounts(t, db)
	clock := NewManualClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	db.Now = clock.Now
	attempt(t, db, a.buyer.Email, testPassword, "") // 2 March 2026, 09:00
	clock.Set(time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC))
	attempt(t, db, a.admin.Email, testPassword, "") // 3 March 2026, 09:00
	emails := func() []string {
		p, err := db.SecurityEvents(context.Background(), Operator(), SecurityFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range p.Events {
			out = append(out, e.Email)
		}
		return out
	}

	// The server starts an hour before the first row is a year old.
	clock.Set(time.Date(2027, 3, 2, 8, 0, 0, 0, time.UTC))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		db.RunSweeper(ctx, SweeperConfig{Interval: 24 * time.Hour, Clock: clock, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	}()
	defer func() { cancel(); <-done }()
	wake := awaitSweep(t, clock)
	if got := emails(); strings.Join(got, ",") != a.admin.Email+","+a.buyer.Email {
		t.Fatalf("after the start-up run: %v, want both rows (neither is a year old)", got)
	}
	if want := time.Date(2027, 3, 3, 0, 0, 0, 0, time.UTC); !wake.Equal(want) {
		t.Fatalf("next run at %s, want UK midnight %s", wake.UTC(), want)
	}
	clock.Set(wake) // midnight: the 2 March 2026 row is now over a year old
	awaitSweep(t, clock)
	if got := emails(); strings.Join(got, ",") != a.admin.Email {
		t.Fatalf("after the midnight run: %v, want only the row of 3 March 2026", got)
	}
}
