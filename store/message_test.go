package store

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"
)

func (f *basketFixture) notify(t testing.TB, n Notice) int {
	t.Helper()
	var k int
	err := f.db.write(f.ctx, func(tx *sql.Tx) error {
		var err error
		k, err = notify(f.ctx, tx, n)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestNotifyAudiences(t *testing.T) {
	f := openBasketDB(t)
	n := Notice{At: f.db.Now(), Kind: "test", Title: "Hello", Body: "Body", Path: "/baskets"}
	count := func(a Audience) int { n.To = a; return f.notify(t, n) }
	if got := count(OrgBuyers(f.northOrg)); got != 2 {
		t.Errorf("Northshire's buyers: got %d, want 2", got)
	}
	if got := count(OrgBuyers(f.northOrg).Except(f.north.ID)); got != 1 {
		t.Errorf("Northshire's buyers but one: got %d, want 1", got)
	}
	if got := count(Reviewers(f.northOrg)); got != 2 {
		t.Errorf("reviewers for Northshire: got %d, want 2", got)
	}
	if got := count(Reviewers(f.reviewer.OrgID)); got != 0 {
		t.Errorf("reviewers for CCS's own basket: got %d, want none (none may decide)", got)
	}
	if got := count(Users()); got != 0 {
		t.Errorf("nobody: got %d, want 0", got)
	}
	if _, err := f.db.SetUserActive(f.ctx, Operator(), f.north2.ID, false); err != nil {
		t.Fatal(err)
	}
	if got := count(OrgBuyers(f.northOrg)); got != 1 {
		t.Errorf("after disabling one buyer: got %d, want 1", got)
	}
	if _, err := f.db.SetOrganisationActive(f.ctx, Operator(), f.eastOrg, false); err != nil {
		t.Fatal(err)
	}
	if got := count(Users(f.east.ID, f.north.ID)); got != 1 {
		t.Errorf("a disabled organisation's user: got %d messages, want only the other's", got)
	}
}

func TestNotifyWithAKeyIsOnceOnly(t *testing.T) {
	f := openBasketDB(t)
	n := Notice{At: f.db.Now(), To: Users(f.north.ID), Kind: "reminder", Title: "Reminder", Path: "/baskets", Key: "reminder:1"}
	if got := f.notify(t, n); got != 1 {
		t.Fatalf("first: got %d, want 1", got)
	}
	if got := f.notify(t, n); got != 0 {
		t.Fatalf("again: got %d, want 0", got)
	}
	n.Key = "reminder:2"
	if got := f.notify(t, n); got != 1 {
		t.Fatalf("another key: got %d, want 1", got)
	}
}

func TestMessagesUnreadFirstAndMarkedRead(t *testing.T) {
	f := openBasketDB(t)
	for i := range 25 {
		*f.now = f.now.Add(time.Minute)
		f.notify(t, Notice{At: f.db.Now(), To: Users(f.north.ID), Kind: "test", Title: fmt.Sprintf("Message %d", i), Path: "/baskets"})
	}
	f.notify(t, Notice{At: f.db.Now(), To: Users(f.east.ID), Kind: "test", Title: "Someone else's", Path: "/baskets"})
	if n, _ := f.db.UnreadMessages(f.ctx, f.north); n != 25 {
		t.Fatalf("unread: got %d, want 25", n)
	}
	p1, err := f.db.Messages(f.ctx, f.north, 1)
	if err != nil {
		t.Fatal(err)
	}
	if p1.Total != 25 || p1.Pages != 2 || len(p1.Messages) != MessagesPerPage || p1.Messages[0].Title != "Message 24" || !p1.Messages[0].Unread {
		t.Fatalf("page 1: got total %d, %d pages, first %+v; want 25 in 2 pages, newest first, unread", p1.Total, p1.Pages, p1.Messages[0])
	}
	if n, _ := f.db.UnreadMessages(f.ctx, f.north); n != 5 {
		t.Fatalf("after showing 20: got %d unread, want 5", n)
	}
	// A new message comes; the unread ones still come first, newest first.
	*f.now = f.now.Add(time.Minute)
	f.notify(t, Notice{At: f.db.Now(), To: Users(f.north.ID), Kind: "test", Title: "Latest", Path: "/baskets"})
	p1, _ = f.db.Messages(f.ctx, f.north, 1)
	var titles []string
	for _, m := range p1.Messages[:7] {
		titles = append(titles, fmt.Sprintf("%s/%v", m.Title, m.Unread))
	}
	if got, want := strings.Join(titles, ", "), "Latest/true, Message 4/true, Message 3/true, Message 2/true, Message 1/true, Message 0/true, Message 24/false"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if _, err := f.db.Messages(f.ctx, f.north, 3); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("page 3: got %v, want ENOTFOUND", err)
	}
	if mp, _ := f.db.Messages(f.ctx, f.east, 1); mp.Total != 1 || mp.Messages[0].Title != "Someone else's" {
		t.Fatalf("Eastbridge's buyer: got %+v, want only their own", mp)
	}
	if _, err := f.db.w.Exec(`UPDATE messages SET body = 'rewritten' WHERE user_id = ?`, f.north.ID); err == nil || !strings.Contains(err.Error(), "immutable") {
		t.Fatalf("rewriting a message: got %v, want the trigger to refuse", err)
	}
}

func TestOutbox(t *testing.T) {
	f := openBasketDB(t)
	f.notify(t, Notice{At: f.db.Now(), To: Users(f.north.ID, f.east.ID), Kind: "test", Title: "Mail me", Body: "Hello", Path: "/baskets"})
	wall := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	due, err := f.db.DueMail(f.ctx, wall, 10)
	if err != nil || len(due) != 2 || due[0].To != f.north.Email || due[0].Title != "Mail me" || due[0].Token == "" || due[0].Token == due[1].Token {
		t.Fatalf("got %+v (%v), want two mails with their own tokens", due, err)
	}
	id := due[0].MessageID("portal.example")
	if !strings.HasSuffix(id, "@portal.example") || !strings.Contains(id, due[0].Token) {
		t.Fatalf("Message-ID %q", id)
	}
	if st, _ := f.db.Outbox(f.ctx); st.Pending != 2 || !st.Oldest.Equal(f.db.Now().Truncate(time.Second)) {
		t.Fatalf("outbox: got %+v, want 2 pending since %s", st, f.db.Now())
	}
	if err := f.db.MailRetry(f.ctx, due[0].ID, "connection refused", wall.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := f.db.MailSent(f.ctx, due[1].ID, wall); err != nil {
		t.Fatal(err)
	}
	if again, _ := f.db.DueMail(f.ctx, wall, 10); len(again) != 0 {
		t.Fatalf("before the retry time: got %d due, want none", len(again))
	}
	if next, ok, _ := f.db.NextMailAt(f.ctx); !ok || !next.Equal(wall.Add(time.Minute)) {
		t.Fatalf("next: got %s %v, want the retry time", next, ok)
	}
	later, _ := f.db.DueMail(f.ctx, wall.Add(time.Minute), 10)
	if len(later) != 1 || later[0].ID != due[0].ID || later[0].Attempts != 1 || later[0].MessageID("portal.example") != id {
		t.Fatalf("at the retry time: got %+v, want the same mail, same Message-ID, one attempt made", later)
	}
	if err := f.db.MailGiveUp(f.ctx, due[0].ID, "failed", "550 no such user"); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.db.Outbox(f.ctx); st.Pending != 0 {
		t.Fatalf("outbox: got %d pending, want none", st.Pending)
	}
	if _, ok, _ := f.db.NextMailAt(f.ctx); ok {
		t.Fatal("next: got something pending, want nothing")
	}
}
