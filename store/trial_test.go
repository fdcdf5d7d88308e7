package store

import (
	"database/sql"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// trialFixture is basketFixture with a user of each demo supplier's
// catalogue team.
type trialFixture struct {
	*basketFixture
	vmo2, ffc *User // supplier users of Virgin Media O2 Business and Fictional Fibre Co
}

func openTrialDB(t testing.TB) *trialFixture {
	t.Helper()
	f := &trialFixture{basketFixture: openBasketDB(t)}
	err := f.db.write(f.ctx, func(tx *sql.Tx) error {
		mk := func(org, email, supplier string) (*User, error) {
			o, err := createOrganisation(f.ctx, tx, NewOrganisation{Name: org, Type: OrgSupplier}, *f.now)
			if err != nil {
				return nil, err
			}
			id, err := createUser(f.ctx, tx, NewUser{Name: "Cat " + email, Email: email, OrgID: o.ID, Role: RoleSupplier, SupplierSlug: supplier}, "x", *f.now)
			if err != nil {
				return nil, err
			}
			u, err := userByID(f.ctx, tx, id)
			return &u, err
		}
		var err error
		if f.vmo2, err = mk("Virgin Media O2 Business", "catalogue@vmo2b.example", DemoSupplierVMO2B); err != nil {
			return err
		}
		f.ffc, err = mk("Fictional Fibre Co", "catalogue@ffc.example", DemoSupplierFFC)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Demo offerings by the trials they allow.
const (
	povOnly   = "business-unlimited-5g-sim"    // proof of value
	sdwanOnly = "managed-sd-wan-hub"           // SD-WAN
	sdwanToo  = "managed-sd-wan-small-site-5g" // SD-WAN
	bothKinds = "managed-sd-wan-branch"        // both
	noTrial   = "iot-sim-1gb"                  // neither
	ffcSDWAN  = "ffc-managed-sd-wan-branch"    // SD-WAN under the other agreement (1–3 sites, 30–45 days)
)

// form is a good application for offering slug and kind, starting a week
// after the fixture's today.
func (f *trialFixture) form(slug, kind string) TrialForm {
	return TrialForm{Offering: slug, Kind: kind, Sites: "3", StartDate: DateInput{ISO: f.now.AddDate(0, 0, 7).Format(time.DateOnly)},
		Duration: "30", Objectives: "Show that the service copes with our busiest libraries", Criteria: "Calls stay up all day\n- Staff sign in first time\n\n"}
}

func (f *trialFixture) apply(t testing.TB, u *User, form TrialForm) int64 {
	t.Helper()
	id, err := f.db.ApplyForTrial(f.ctx, u, form)
	if err != nil {
		t.Fatalf("apply for %s (%s): %v", form.Offering, form.Kind, err)
	}
	return id
}

func (f *trialFixture) trial(t testing.TB, u *User, id int64) Trial {
	t.Helper()
	tr, err := f.db.Trial(f.ctx, u, id)
	if err != nil {
		t.Fatalf("trial %d: %v", id, err)
	}
	return tr
}

func (f *trialFixture) decide(t testing.TB, u *User, id int64, decision, comment string) {
	t.Helper()
	if _, err := f.db.DecideTrial(f.ctx, u, id, TrialDecisionForm{Decision: decision, Comment: comment}); err != nil {
		t.Fatalf("%s trial %d: %v", decision, id, err)
	}
}

// at moves the fixture's clock.
func (f *trialFixture) at(t time.Time) { *f.now = t }

// wantField checks that err is EINVALID with exactly the message want on
// field (and reports every field error otherwise).
func wantField(t *testing.T, err error, field, want string) {
	t.Helper()
	if ErrorCode(err) != EINVALID {
		t.Fatalf("got %v, want a field error on %s", err, field)
	}
	if got := FieldMessage(ErrorFields(err), field); got != want {
		t.Fatalf("%s: got %q, want %q (all: %+v)", field, got, want, ErrorFields(err))
	}
}

func day(s string) DateInput { return DateInput{ISO: s} }

// Every eligibility rule and boundary of PRODUCT.md §6, each with its exact
// message. The fixture's day is Monday 2 March 2026 (GMT).
func TestTrialApplicationRules(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name  string
		now   string // UTC; default the fixture's
		edit  func(*TrialForm)
		kind  string // default pov on povOnly; "sdwan" uses sdwanOnly
		field string // "" when the application is accepted
		want  string
	}{
		{name: "pov 13 days", edit: func(f *TrialForm) { f.Duration = "13" }, field: "duration_days", want: "A proof-of-value trial must last from 14 to 90 days"},
		{name: "pov 14 days", edit: func(f *TrialForm) { f.Duration = "14" }},
		{name: "pov 90 days", edit: func(f *TrialForm) { f.Duration = "90" }},
		{name: "pov 91 days", edit: func(f *TrialForm) { f.Duration = "91" }, field: "duration_days", want: "A proof-of-value trial must last from 14 to 90 days"},
		{name: "sdwan 29 days", kind: TrialSDWAN, edit: func(f *TrialForm) { f.Duration = "29" }, field: "duration_days", want: "An SD-WAN trial must last from 30 to 60 days"},
		{name: "sdwan 30 days", kind: TrialSDWAN, edit: func(f *TrialForm) { f.Duration = "30" }},
		{name: "sdwan 60 days", kind: TrialSDWAN, edit: func(f *TrialForm) { f.Duration = "60" }},
		{name: "sdwan 61 days", kind: TrialSDWAN, edit: func(f *TrialForm) { f.Duration = "61" }, field: "duration_days", want: "An SD-WAN trial must last from 30 to 60 days"},
		{name: "pov 0 sites", edit: func(f *TrialForm) { f.Sites = "0" }, field: "sites", want: "Number of sites for a proof-of-value trial must be from 1 to 20"},
		{name: "pov 1 site", edit: func(f *TrialForm) { f.Sites = "1" }},
		{name: "pov 20 sites", edit: func(f *TrialForm) { f.Sites = "20" }},
		{name: "pov 21 sites", edit: func(f *TrialForm) { f.Sites = "21" }, field: "sites", want: "Number of sites for a proof-of-value trial must be from 1 to 20"},
		{name: "sdwan 5 sites", kind: TrialSDWAN, edit: func(f *TrialForm) { f.Sites = "5" }},
		{name: "sdwan 6 sites", kind: TrialSDWAN, edit: func(f *TrialForm) { f.Sites = "6" }, field: "sites", want: "Number of sites for an SD-WAN trial must be from 1 to 5"},
		{name: "sites not digits", edit: func(f *TrialForm) { f.Sites = "three" }, field: "sites", want: "Number of sites must be a whole number in digits only, like 3"},
		{name: "the other agreement's own terms", edit: func(f *TrialForm) { f.Offering, f.Kind, f.Sites = ffcSDWAN, TrialSDWAN, "4" },
			field: "sites", want: "Number of sites for an SD-WAN trial must be from 1 to 3"},

		{name: "start today", edit: func(f *TrialForm) { f.StartDate = day("2026-03-02") }, field: "start_date", want: "The start date must be tomorrow, 3 March 2026, or later"},
		{name: "start tomorrow", edit: func(f *TrialForm) { f.StartDate = day("2026-03-03") }},
		{name: "start in six calendar months", edit: func(f *TrialForm) { f.StartDate = day("2026-09-02") }},
		{name: "start six months and a day", edit: func(f *TrialForm) { f.StartDate = day("2026-09-03") },
			field: "start_date", want: "The start date must be no later than 2 September 2026, six months from today"},
		{name: "start as three fields", edit: func(f *TrialForm) { f.StartDate = DateInput{Day: "3", Month: "3", Year: "2026", Parts: true} }},
		// 23:30 UTC on 29 March 2026 is 00:30 BST on 30 March: in the UK
		// it is already the 30th, so the 30th is today.
		{name: "after the clocks go forward, today is the UK date", now: "2026-03-29 23:30", edit: func(f *TrialForm) { f.StartDate = day("2026-03-30") },
			field: "start_date", want: "The start date must be tomorrow, 31 March 2026, or later"},
		{name: "after the clocks go forward, tomorrow", now: "2026-03-29 23:30", edit: func(f *TrialForm) { f.StartDate = day("2026-03-31") }},
		{name: "after the clocks go forward, six months", now: "2026-03-29 23:30", edit: func(f *TrialForm) { f.StartDate = day("2026-09-30") }},
		{name: "after the clocks go forward, a day later", now: "2026-03-29 23:30", edit: func(f *TrialForm) { f.StartDate = day("2026-10-01") },
			field: "start_date", want: "The start date must be no later than 30 September 2026, six months from today"},
		{name: "before the clocks go forward, tomorrow", now: "2026-03-28 23:30", edit: func(f *TrialForm) { f.StartDate = day("2026-03-29") }},
		// 23:30 UTC on 24 October 2026 is 00:30 BST on Sunday 25 October, the
		// day the clocks go back.
		{name: "the night the clocks go back, today", now: "2026-10-24 23:30", edit: func(f *TrialForm) { f.StartDate = day("2026-10-25") },
			field: "start_date", want: "The start date must be tomorrow, 26 October 2026, or later"},
		{name: "the night the clocks go back, tomorrow", now: "2026-10-24 23:30", edit: func(f *TrialForm) { f.StartDate = day("2026-10-26") }},
		{name: "the night the clocks go back, six months", now: "2026-10-24 23:30", edit: func(f *TrialForm) { f.StartDate = day("2027-04-25") }},
		{name: "the night the clocks go back, a day later", now: "2026-10-24 23:30", edit: func(f *TrialForm) { f.StartDate = day("2027-04-26") },
			field: "start_date", want: "The start date must be no later than 25 April 2027, six months from today"},
		{name: "from 31 August, the end of February", now: "2026-08-31 10:00", edit: func(f *TrialForm) { f.StartDate = day("2027-02-28") }},
		{name: "from 31 August, a day later", now: "2026-08-31 10:00", edit: func(f *TrialForm) { f.StartDate = day("2027-03-01") },
			field: "start_date", want: "The start date must be no later than 28 February 2027, six months from today"},
		{name: "from 31 August before a leap year, 29 February", now: "2027-08-31 10:00", edit: func(f *TrialForm) { f.StartDate = day("2028-02-29") }},
		{name: "from 31 August before a leap year, a day later", now: "2027-08-31 10:00", edit: func(f *TrialForm) { f.StartDate = day("2028-03-01") },
			field: "start_date", want: "The start date must be no later than 29 February 2028, six months from today"},
		{name: "not a real date", edit: func(f *TrialForm) { f.StartDate = day("2026-02-30") }, field: "start_date", want: "The start date must be a real date"},

		{name: "offering without that kind", edit: func(f *TrialForm) { f.Kind = TrialSDWAN }, field: "kind", want: "Business Unlimited 5G SIM is not eligible for a free SD-WAN trial"},
		{name: "offering without trials", edit: func(f *TrialForm) { f.Offering = noTrial }, field: "offering", want: "IoT SIM 1GB is not eligible for a free trial"},
		{name: "unknown offering", edit: func(f *TrialForm) { f.Offering = "no-such-thing" }, field: "offering", want: "Choose an offering from the catalogue"},
		{name: "no kind", edit: func(f *TrialForm) { f.Kind = "" }, field: "kind", want: "Choose the kind of trial"},
		{name: "unknown kind", edit: func(f *TrialForm) { f.Kind = "free" }, field: "kind", want: "Choose a proof-of-value or an SD-WAN trial"},
		{name: "no objectives", edit: func(f *TrialForm) { f.Objectives = " \n" }, field: "objectives", want: "Describe what you want the trial to show"},
		{name: "objectives too long", edit: func(f *TrialForm) { f.Objectives = strings.Repeat("a", 2001) }, field: "objectives", want: "Objectives must be 2,000 characters or fewer"},
		{name: "objectives with a bidi override", edit: func(f *TrialForm) { f.Objectives = "ok\u202e" }, field: "objectives",
			want: "Objectives must not contain characters that change the direction of text"},
		{name: "no success criteria", edit: func(f *TrialForm) { f.Criteria = "\n - \n" }, field: "success_criteria", want: "Enter at least one success criterion, one per line"},
		{name: "ten success criteria", edit: func(f *TrialForm) { f.Criteria = strings.Repeat("It works\n", 10) }},
		{name: "eleven success criteria", edit: func(f *TrialForm) { f.Criteria = strings.Repeat("It works\n", 11) }, field: "success_criteria",
			want: "Enter at most 10 success criteria, one per line: there are 11"},
		{name: "a criterion of 200 characters", edit: func(f *TrialForm) { f.Criteria = "ok\n" + strings.Repeat("é", 200) }},
		{name: "a criterion of 201 characters", edit: func(f *TrialForm) { f.Criteria = "ok\n" + strings.Repeat("é", 201) }, field: "success_criteria",
			want: "Success criterion 2 must be 200 characters or fewer: it has 201"},
		{name: "a basket that is not a number", edit: func(f *TrialForm) { f.Basket = "1 OR 1" }, field: "basket", want: "Choose one of your organisation’s draft baskets, or no basket"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := openTrialDB(t)
			if c.now != "" {
				f.at(utc(c.now))
			}
			form := f.form(povOnly, TrialPOV)
			if c.kind == TrialSDWAN {
				form = f.form(sdwanOnly, TrialSDWAN)
			}
			if c.edit != nil {
				c.edit(&form)
			}
			id, err := f.db.ApplyForTrial(f.ctx, f.north, form)
			if c.field == "" {
				if err != nil {
					t.Fatalf("got %v, want the application accepted", err)
				}
				if tr := f.trial(t, f.north, id); tr.Status != TrialSubmitted {
					t.Fatalf("got %s, want submitted", tr.Status)
				}
				return
			}
			wantField(t, err, c.field, c.want)
			if n := len(ErrorFields(err)); n != 1 {
				t.Errorf("got %d field errors, want 1: %+v", n, ErrorFields(err))
			}
		})
	}
}

func TestTrialApplicationSavesWhatWasEntered(t *testing.T) {
	f := openTrialDB(t)
	form := f.form(bothKinds, TrialSDWAN)
	form.StartDate = DateInput{Day: "9", Month: "3", Year: "2026", Parts: true}
	form.Criteria = "* Failover under 5 seconds\r\n• One dashboard for every site\r\n"
	id := f.apply(t, f.north, form)
	tr := f.trial(t, f.north, id)
	if tr.Kind != TrialSDWAN || tr.Sites != 3 || tr.DurationDays != 30 || tr.OfferingSlug != bothKinds ||
		tr.StartDate.Format(time.DateOnly) != "2026-03-09" || tr.EndDate.Format(time.DateOnly) != "2026-04-07" ||
		tr.AppliedOn.Format(time.DateOnly) != "2026-03-02" || tr.ApplicantName != f.north.Name {
		t.Fatalf("got %+v", tr.TrialSummary)
	}
	if len(tr.Criteria) != 2 || tr.Criteria[0].Text != "Failover under 5 seconds" || tr.Criteria[1].Text != "One dashboard for every site" || tr.Criteria[0].Met != nil {
		t.Fatalf("criteria %+v", tr.Criteria)
	}
	if len(tr.Events) != 1 || tr.Events[0].Action != ActionApply || tr.Events[0].To != string(TrialSubmitted) {
		t.Fatalf("trail %+v", tr.Events)
	}
}

func TestTrialLimits(t *testing.T) {
	t.Run("a second open trial of the same offering", func(t *testing.T) {
		f := openTrialDB(t)
		f.apply(t, f.north, f.form(povOnly, TrialPOV))
		_, err := f.db.ApplyForTrial(f.ctx, f.north, f.form(povOnly, TrialPOV))
		wantField(t, err, "offering", "Your organisation already has an open trial of Business Unlimited 5G SIM, applied for on 2 March 2026 and waiting for a decision. Only one open trial of an offering is allowed at a time")
		// Another organisation may.
		f.apply(t, f.east, f.form(povOnly, TrialPOV))
	})
	t.Run("the open trial limit is per offering whatever the kind", func(t *testing.T) {
		f := openTrialDB(t)
		id := f.apply(t, f.north, f.form(bothKinds, TrialPOV))
		f.decide(t, f.reviewer, id, DecisionApprove, "")
		_, err := f.db.ApplyForTrial(f.ctx, f.north, f.form(bothKinds, TrialSDWAN))
		wantField(t, err, "offering", "Your organisation already has an open trial of Managed SD-WAN Branch, approved to start on 9 March 2026. Only one open trial of an offering is allowed at a time")
	})
	t.Run("an active trial is open until its end date, then not", func(t *testing.T) {
		f := openTrialDB(t)
		id := f.apply(t, f.north, f.form(povOnly, TrialPOV)) // 9 March to 7 April
		f.decide(t, f.vmo2, id, DecisionApprove, "")
		f.at(time.Date(2026, 4, 7, 12, 0, 0, 0, time.UTC))
		form := f.form(povOnly, TrialPOV)
		_, err := f.db.ApplyForTrial(f.ctx, f.north, form)
		wantField(t, err, "offering", "Your organisation already has an open trial of Business Unlimited 5G SIM, active until 7 April 2026. Only one open trial of an offering is allowed at a time")
		f.at(time.Date(2026, 4, 8, 12, 0, 0, 0, time.UTC))
		if tr := f.trial(t, f.north, id); tr.Status != TrialActive || !tr.Ended() {
			t.Fatalf("got %s (ended %v), want active and ended", tr.Status, tr.Ended())
		}
		f.apply(t, f.north, f.form(povOnly, TrialPOV))
	})
	t.Run("a declined or withdrawn trial is not open", func(t *testing.T) {
		f := openTrialDB(t)
		id := f.apply(t, f.north, f.form(povOnly, TrialPOV))
		f.decide(t, f.reviewer, id, DecisionDecline, "Not this quarter.")
		id = f.apply(t, f.north, f.form(povOnly, TrialPOV))
		if err := f.db.WithdrawTrial(f.ctx, f.north, id); err != nil {
			t.Fatal(err)
		}
		f.apply(t, f.north, f.form(povOnly, TrialPOV))
	})

	// One SD-WAN trial in any rolling 365 days, by application date.
	sdwanOnDay := func(t *testing.T) (*trialFixture, int64) {
		f := openTrialDB(t)
		id := f.apply(t, f.north, f.form(sdwanOnly, TrialSDWAN)) // applied for on 2 March 2026
		f.decide(t, f.reviewer, id, DecisionApprove, "")
		return f, id
	}
	t.Run("a second SD-WAN trial 364 days later", func(t *testing.T) {
		f, _ := sdwanOnDay(t)
		f.at(time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)) // 2 March 2026 + 364 days
		_, err := f.db.ApplyForTrial(f.ctx, f.north, f.form(sdwanToo, TrialSDWAN))
		wantField(t, err, "kind", "Your organisation applied for an SD-WAN trial on 2 March 2026, and only one SD-WAN trial is allowed in any 365 days. You can apply for another from 2 March 2027")
	})
	t.Run("a second SD-WAN trial 365 days later", func(t *testing.T) {
		f, _ := sdwanOnDay(t)
		f.at(time.Date(2027, 3, 2, 0, 30, 0, 0, time.UTC))
		f.apply(t, f.north, f.form(sdwanToo, TrialSDWAN))
	})
	t.Run("a second SD-WAN trial the same day, for a proof of value of another offering", func(t *testing.T) {
		f, _ := sdwanOnDay(t)
		_, err := f.db.ApplyForTrial(f.ctx, f.north, f.form(bothKinds, TrialSDWAN))
		wantField(t, err, "kind", "Your organisation applied for an SD-WAN trial on 2 March 2026, and only one SD-WAN trial is allowed in any 365 days. You can apply for another from 2 March 2027")
		f.apply(t, f.north, f.form(bothKinds, TrialPOV)) // the limit is on SD-WAN trials only
		f.apply(t, f.east, f.form(sdwanToo, TrialSDWAN)) // and per organisation
	})
	t.Run("a declined SD-WAN trial does not count", func(t *testing.T) {
		f := openTrialDB(t)
		id := f.apply(t, f.north, f.form(sdwanOnly, TrialSDWAN))
		f.decide(t, f.vmo2, id, DecisionDecline, "No engineers free in March.")
		f.apply(t, f.north, f.form(sdwanToo, TrialSDWAN))
	})
	t.Run("a withdrawn SD-WAN trial does not count", func(t *testing.T) {
		f := openTrialDB(t)
		id := f.apply(t, f.north, f.form(sdwanOnly, TrialSDWAN))
		if err := f.db.WithdrawTrial(f.ctx, f.north, id); err != nil {
			t.Fatal(err)
		}
		f.apply(t, f.north, f.form(sdwanToo, TrialSDWAN))
	})
	t.Run("an SD-WAN application the portal declined does not count", func(t *testing.T) {
		f := openTrialDB(t)
		f.apply(t, f.north, f.form(sdwanOnly, TrialSDWAN)) // starts 9 March, never decided
		f.at(time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC))
		f.apply(t, f.north, f.form(sdwanToo, TrialSDWAN))
	})
	t.Run("both limits at once, in form order", func(t *testing.T) {
		f, _ := sdwanOnDay(t)
		_, err := f.db.ApplyForTrial(f.ctx, f.north, f.form(sdwanOnly, TrialSDWAN))
		errs := ErrorFields(err)
		if len(errs) != 2 || errs[0].Field != "offering" || errs[1].Field != "kind" {
			t.Fatalf("got %+v, want the offering's then the kind's", errs)
		}
	})
}

// Two SD-WAN applications by one organisation at the same moment: the
// single writer checks them one after the other, so exactly one is
// accepted.
func TestConcurrentSDWANApplications(t *testing.T) {
	f := openTrialDB(t)
	forms := []TrialForm{f.form(sdwanOnly, TrialSDWAN), f.form(sdwanToo, TrialSDWAN)}
	other := *f.north2 // a second buyer of the same organisation
	users := []*User{f.north, &other}
	start := make(chan struct{})
	errs := make([]error, len(forms))
	var wg sync.WaitGroup
	for i := range forms {
		wg.Go(func() {
			<-start
			_, errs[i] = f.db.ApplyForTrial(f.ctx, users[i], forms[i])
		})
	}
	close(start)
	wg.Wait()
	accepted := 0
	for _, err := range errs {
		switch {
		case err == nil:
			accepted++
		case !strings.HasPrefix(FieldMessage(ErrorFields(err), "kind"), "Your organisation applied for an SD-WAN trial on 2 March 2026"):
			t.Errorf("got %v, want the SD-WAN limit", err)
		}
	}
	if accepted != 1 {
		t.Fatalf("got %d applications accepted (%v), want exactly 1", accepted, errs)
	}
	var n int
	if err := f.db.r.QueryRow(`SELECT count(*) FROM trials WHERE kind = 'sdwan'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("got %d SD-WAN trials saved (%v), want 1", n, err)
	}
}

func TestLinkingABasket(t *testing.T) {
	f := openTrialDB(t)
	empty := f.basket(t, f.north, "Sites network")
	mou := f.basket(t, f.north, "Branch refresh")
	f.add(t, f.north, mou.ID, "managed-sd-wan-hub", 1, 36)
	ffc := f.basket(t, f.north, "Fibre")
	f.add(t, f.north, ffc.ID, "ffc-full-fibre-300", 1, 36)
	submitted := f.ready(t, f.north, "Phones")
	if _, _, err := f.db.Submit(f.ctx, f.north, submitted.ID); err != nil {
		t.Fatal(err)
	}
	east := f.basket(t, f.east, "Theirs")
	for _, c := range []struct {
		name   string
		basket int64
		want   string
	}{
		{"another organisation's", east.ID, "Choose one of your organisation’s draft baskets, or no basket"},
		{"a submitted one", submitted.ID, "“Phones” is submitted, so it cannot be linked to a trial: choose a draft basket, or no basket"},
		{"one under another agreement", ffc.ID, "“Fibre” is for offerings under the Fictional Fibre Co connectivity agreement (demo), but Managed SD-WAN Branch is sold under the CCS Memorandum of Understanding with Virgin Media O2 Business: choose a basket under that agreement, or no basket"},
	} {
		t.Run(c.name, func(t *testing.T) {
			form := f.form(bothKinds, TrialPOV)
			form.Basket = strconv.FormatInt(c.basket, 10)
			_, err := f.db.ApplyForTrial(f.ctx, f.north, form)
			wantField(t, err, "basket", c.want)
		})
	}
	for _, b := range []Basket{empty, mou} {
		form := f.form(bothKinds, TrialPOV)
		if b.ID == mou.ID {
			form.Offering = povOnly
		}
		form.Basket = strconv.FormatInt(b.ID, 10)
		id := f.apply(t, f.north, form)
		if tr := f.trial(t, f.north, id); tr.LinkedBasket == nil || tr.LinkedBasket.ID != b.ID {
			t.Fatalf("linked %+v, want basket %d", tr.LinkedBasket, b.ID)
		}
	}
}

// The whole life: apply → approve → active on its start date (by the
// sweeper) → complete → start a basket; every step audited and messaged.
func TestTrialLifeCycle(t *testing.T) {
	f := openTrialDB(t)
	form := f.form(bothKinds, TrialPOV)
	form.Sites = "4"
	id := f.apply(t, f.north, form)

	// The application waits in the review queue as a trial.
	q, err := f.db.ReviewQueue(f.ctx, f.reviewer, ReviewQuery{Kind: ReviewKindTrial})
	if err != nil || len(q.Items) != 1 || q.Items[0].ID != id || q.Items[0].Title != "Proof-of-value trial of Managed SD-WAN Branch" ||
		q.Items[0].Path() != "/review/trials/"+strconv.FormatInt(id, 10) || q.Items[0].OrgName != "Northshire County Council" {
		t.Fatalf("queue %+v (%v), want the application", q.Items, err)
	}
	if q, _ := f.db.ReviewQueue(f.ctx, f.reviewer, ReviewQuery{Kind: ReviewKindBasket}); len(q.Items) != 0 {
		t.Fatalf("the basket filter lists %+v", q.Items)
	}
	// Nothing to do before it is decided.
	wantCode(t, f.db.CompleteTrial(f.ctx, f.north, id, OutcomeForm{}), ECONFLICT)
	if _, err := f.db.StartBasketFromTrial(f.ctx, f.north, id); ErrorCode(err) != ECONFLICT {
		t.Fatalf("basket from an undecided trial: %v", err)
	}

	// Declining needs a comment; the supplier approves.
	_, err = f.db.DecideTrial(f.ctx, f.vmo2, id, TrialDecisionForm{Decision: DecisionDecline})
	wantField(t, err, "comment", "Explain the decision to the buyer: say why you are declining the application")
	_, err = f.db.DecideTrial(f.ctx, f.vmo2, id, TrialDecisionForm{})
	wantField(t, err, "decision", "Choose whether to approve or decline the application")
	msg, err := f.db.DecideTrial(f.ctx, f.vmo2, id, TrialDecisionForm{Decision: DecisionApprove, Comment: "Engineer booked for 9 March."})
	if err != nil || msg != "Trial application approved: proof-of-value trial of Managed SD-WAN Branch" {
		t.Fatalf("approve: %q, %v", msg, err)
	}
	_, err = f.db.DecideTrial(f.ctx, f.reviewer, id, TrialDecisionForm{Decision: DecisionDecline, Comment: "Too late"})
	wantCode(t, err, ECONFLICT)
	if q, _ := f.db.ReviewQueue(f.ctx, f.reviewer, ReviewQuery{}); len(q.Items) != 0 {
		t.Fatalf("a decided application still waits: %+v", q.Items)
	}
	tr := f.trial(t, f.north, id)
	if tr.Status != TrialApproved || tr.DecidedBy != f.vmo2.Name || tr.DecisionComment != "Engineer booked for 9 March." || tr.DaysToStart() != 7 {
		t.Fatalf("after approval %+v", tr)
	}

	// The start date: the sweeper makes it active, once.
	f.at(time.Date(2026, 3, 9, 0, 5, 0, 0, time.UTC))
	for run := 0; run < 2; run++ {
		changed := map[string]int{}
		for _, r := range f.db.Sweep(f.ctx) {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			changed[r.Job] = r.Changed
		}
		if want := 1 - run; changed["start-trials"] != want {
			t.Fatalf("run %d: start-trials changed %d, want %d", run+1, changed["start-trials"], want)
		}
	}
	tr = f.trial(t, f.north, id)
	if tr.Status != TrialActive || tr.DaysLeft() != 30 || tr.Ended() {
		t.Fatalf("on its start date: %s, %d days left", tr.Status, tr.DaysLeft())
	}
	last := tr.Events[len(tr.Events)-1]
	if last.Action != ActionStart || !last.Actor.System() || last.From != "approved" || last.To != "active" {
		t.Fatalf("the start is recorded as %+v", last)
	}
	started := f.messagesOf(t, f.north, MsgTrialStarted)
	if started != 1 {
		t.Fatalf("got %d 'starts today' messages, want 1", started)
	}

	// Last day, then ended: "record the outcome".
	f.at(time.Date(2026, 4, 7, 12, 0, 0, 0, time.UTC))
	if tr = f.trial(t, f.north, id); tr.DaysLeft() != 1 || tr.Ended() {
		t.Fatalf("last day: %d days left, ended %v", tr.DaysLeft(), tr.Ended())
	}
	f.at(time.Date(2026, 4, 8, 12, 0, 0, 0, time.UTC))
	if tr = f.trial(t, f.north, id); !tr.Ended() {
		t.Fatal("the day after its end date, the trial has not ended")
	}

	// Complete: an answer for every criterion, and notes.
	err = f.db.CompleteTrial(f.ctx, f.north, id, OutcomeForm{Met: map[int]string{1: "yes", 2: "maybe"}})
	if errs := ErrorFields(err); len(errs) != 2 || errs[0] != (FieldError{"met_2", "Say whether success criterion 2 was met"}) ||
		errs[1].Field != "notes" {
		t.Fatalf("got %+v", errs)
	}
	wantCode(t, f.db.CompleteTrial(f.ctx, f.east, id, OutcomeForm{}), ENOTFOUND)
	if err := f.db.CompleteTrial(f.ctx, f.north2, id, OutcomeForm{Met: map[int]string{1: "yes", 2: "no"}, Notes: "Calls fine; sign-in needs work."}); err != nil {
		t.Fatal(err)
	}
	tr = f.trial(t, f.north, id)
	if tr.Status != TrialCompleted || tr.CriteriaMet != 1 || tr.CriteriaCount != 2 || *tr.Criteria[0].Met != true || *tr.Criteria[1].Met != false ||
		tr.OutcomeNotes != "Calls fine; sign-in needs work." {
		t.Fatalf("completed %+v", tr)
	}

	// Start a basket: the offering, quantity = sites, the shortest term;
	// linked both ways; a second press returns the same basket.
	res, err := f.db.StartBasketFromTrial(f.ctx, f.north, id)
	if err != nil || !res.Created {
		t.Fatalf("start basket: %+v, %v", res, err)
	}
	b := f.get(t, f.north, res.BasketID)
	if len(b.Lines) != 1 || b.Lines[0].Offering.Slug != bothKinds || b.Lines[0].Quantity != 4 || b.Lines[0].TermMonths != int64(b.Lines[0].Offering.Terms[0]) ||
		b.Status != BasketDraft || b.Name != "Managed SD-WAN Branch after the trial" {
		t.Fatalf("basket %+v", b)
	}
	if b.FromTrial == nil || b.FromTrial.ID != id {
		t.Fatalf("the basket does not link the trial: %+v", b.FromTrial)
	}
	again, err := f.db.StartBasketFromTrial(f.ctx, f.north, id)
	if err != nil || again.Created || again.BasketID != res.BasketID {
		t.Fatalf("second press: %+v, %v", again, err)
	}
	tr = f.trial(t, f.north, id)
	if len(tr.StartedBaskets) != 1 || tr.StartedBaskets[0].ID != res.BasketID {
		t.Fatalf("the trial does not link the basket: %+v", tr.StartedBaskets)
	}
	var actions []string
	for _, e := range tr.Events {
		actions = append(actions, string(e.Action))
	}
	if got := strings.Join(actions, " "); got != "apply approve start complete start_basket" {
		t.Fatalf("trail: %s", got)
	}
}

// messagesOf counts u's messages of a kind.
func (f *trialFixture) messagesOf(t testing.TB, u *User, kind string) int {
	t.Helper()
	var n int
	if err := f.db.r.QueryRow(`SELECT count(*) FROM messages WHERE user_id = ? AND kind = ?`, u.ID, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// An application still undecided on its start date is declined by the
// portal — by the sweeper, or by the first action or read that comes
// first — and can then no longer be decided.
func TestUndecidedApplicationsAreDeclinedOnTheirStartDate(t *testing.T) {
	f := openTrialDB(t)
	id := f.apply(t, f.north, f.form(povOnly, TrialPOV)) // starts 9 March
	f.at(time.Date(2026, 3, 8, 23, 59, 0, 0, time.UTC))
	if tr := f.trial(t, f.north, id); tr.Status != TrialSubmitted {
		t.Fatalf("the day before: %s", tr.Status)
	}
	f.at(time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC))
	_, err := f.db.DecideTrial(f.ctx, f.reviewer, id, TrialDecisionForm{Decision: DecisionApprove})
	wantCode(t, err, ECONFLICT)
	if !strings.Contains(ErrorMessage(err), "not decided before its start date, 9 March 2026") {
		t.Fatalf("got %q", ErrorMessage(err))
	}
	tr := f.trial(t, f.north, id)
	if tr.Status != TrialDeclined || tr.DecidedBy != "" || tr.DecisionComment != "The application was not decided before its start date, 9 March 2026." {
		t.Fatalf("got %+v", tr)
	}
	if last := tr.Events[len(tr.Events)-1]; last.Action != ActionDecline || !last.Actor.System() {
		t.Fatalf("the decline is recorded as %+v", last)
	}
	for _, r := range f.db.Sweep(f.ctx) {
		if r.Job == "decline-undecided-trials" && r.Changed != 0 {
			t.Fatalf("the sweeper declined it again: %+v", r)
		}
	}
	if n := f.messagesOf(t, f.north, MsgTrialDeclined); n != 1 {
		t.Fatalf("got %d messages of the decline, want 1", n)
	}
	if n := f.messagesOf(t, f.reviewer, MsgTrialDeclined); n != 1 {
		t.Fatalf("got %d messages to the reviewer, want 1", n)
	}
}

// A trial is seen by its organisation's buyers, CCS reviewers and the
// offering's supplier only; decided only by reviewers and that supplier.
func TestTrialAuthorisation(t *testing.T) {
	f := openTrialDB(t)
	basket := f.basket(t, f.north, "Secret plans")
	if err := f.db.SetRequirements(f.ctx, f.north, basket.ID, f.requirements()); err != nil {
		t.Fatal(err)
	}
	form := f.form(bothKinds, TrialPOV)
	form.Basket = strconv.FormatInt(basket.ID, 10)
	id := f.apply(t, f.north, form)
	ffcID := f.apply(t, f.north, f.form(ffcSDWAN, TrialSDWAN))

	t.Run("another organisation's buyer", func(t *testing.T) {
		_, err := f.db.Trial(f.ctx, f.east, id)
		wantCode(t, err, ENOTFOUND)
		wantCode(t, f.db.WithdrawTrial(f.ctx, f.east, id), ENOTFOUND)
		if ts, _ := f.db.Trials(f.ctx, f.east); len(ts) != 0 {
			t.Fatalf("east lists %+v", ts)
		}
	})
	t.Run("a buyer cannot decide", func(t *testing.T) {
		_, err := f.db.DecideTrial(f.ctx, f.north, id, TrialDecisionForm{Decision: DecisionApprove})
		wantCode(t, err, EFORBIDDEN)
	})
	t.Run("another supplier cannot see or decide", func(t *testing.T) {
		_, err := f.db.Trial(f.ctx, f.ffc, id)
		wantCode(t, err, ENOTFOUND)
		_, err = f.db.DecideTrial(f.ctx, f.ffc, id, TrialDecisionForm{Decision: DecisionApprove})
		wantCode(t, err, ENOTFOUND)
		_, err = f.db.DecideTrial(f.ctx, f.vmo2, ffcID, TrialDecisionForm{Decision: DecisionApprove})
		wantCode(t, err, ENOTFOUND)
		list, err := f.db.SupplierTrials(f.ctx, f.ffc)
		if err != nil || len(list) != 1 || list[0].ID != ffcID {
			t.Fatalf("FFC's list: %+v, %v", list, err)
		}
	})
	t.Run("the supplier sees the application but not the basket", func(t *testing.T) {
		tr := f.trial(t, f.vmo2, id)
		if tr.LinkedBasket != nil || tr.StartedBaskets != nil {
			t.Fatalf("the supplier sees the basket: %+v", tr.LinkedBasket)
		}
		for _, e := range tr.Events {
			if _, ok := e.Details["basket"]; ok {
				t.Fatalf("the supplier sees the basket in the trail: %+v", e)
			}
		}
		if rv := f.trial(t, f.reviewer, id); rv.LinkedBasket == nil || rv.LinkedBasket.BudgetPence != 5_000_050 {
			t.Fatalf("the reviewer does not see the basket's budget: %+v", rv.LinkedBasket)
		}
		_, err := f.db.SupplierTrials(f.ctx, f.north)
		wantCode(t, err, EFORBIDDEN)
	})
	t.Run("only buyers withdraw", func(t *testing.T) {
		wantCode(t, f.db.WithdrawTrial(f.ctx, f.reviewer, id), EFORBIDDEN)
		wantCode(t, f.db.WithdrawTrial(f.ctx, f.vmo2, id), EFORBIDDEN)
	})
}

// The agreement page's numbers, from the data: started, completed,
// criteria met, converted (a basket linked either way has an approved
// quote) and the rate.
func TestTrialStats(t *testing.T) {
	f := openTrialDB(t)
	stats := func() TrialStats {
		t.Helper()
		s, err := f.db.TrialStats(f.ctx, TrialStatsFilter{AgreementID: f.mouID})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// a: linked to a basket when applying; b: a basket started from it;
	// c: approved, not yet started; d: declined.
	linked := f.ready(t, f.north, "Linked")
	fa := f.form(bothKinds, TrialPOV)
	fa.Basket = strconv.FormatInt(linked.ID, 10)
	a := f.apply(t, f.north, fa)
	b := f.apply(t, f.east, f.form(povOnly, TrialPOV))
	fc := f.form(sdwanOnly, TrialSDWAN)
	fc.StartDate = day("2026-06-01")
	c := f.apply(t, f.north, fc)
	dd := f.apply(t, f.east, f.form(sdwanToo, TrialSDWAN))
	for _, id := range []int64{a, b, c} {
		f.decide(t, f.reviewer, id, DecisionApprove, "")
	}
	f.decide(t, f.reviewer, dd, DecisionDecline, "No")
	if s := stats(); s != (TrialStats{}) {
		t.Fatalf("before any started: %+v", s)
	}
	// 9 March: a and b start (read before the sweeper runs).
	f.at(time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC))
	if s := stats(); s.Started != 2 || s.Completed != 0 || s.ConversionRate() != "0.0%" {
		t.Fatalf("on 9 March: %+v", s)
	}
	for _, c := range []struct {
		u   *User
		id  int64
		met map[int]string
	}{{f.north, a, map[int]string{1: "yes", 2: "yes"}}, {f.east, b, map[int]string{1: "yes", 2: "no"}}} {
		if err := f.db.CompleteTrial(f.ctx, c.u, c.id, OutcomeForm{Met: c.met, Notes: "Done"}); err != nil {
			t.Fatal(err)
		}
	}
	if s := stats(); s != (TrialStats{Started: 2, Completed: 2, CriteriaMet: 3, Criteria: 4}) {
		t.Fatalf("completed: %+v", s)
	}
	// a converts through its linked basket, b through the one started from it.
	if _, _, err := f.db.Submit(f.ctx, f.north, linked.ID); err != nil {
		t.Fatal(err)
	}
	f.approveAll(t, linked.ID)
	if s := stats(); s.Converted != 1 || s.ConversionRate() != "50.0%" {
		t.Fatalf("one converted: %+v %s", s, s.ConversionRate())
	}
	res, err := f.db.StartBasketFromTrial(f.ctx, f.east, b)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.SetRequirements(f.ctx, f.east, res.BasketID, RequirementsForm{Need: "Phones", Budget: "90000", Sites: "3",
		RequiredBy: day("2026-05-01"), WeightPrice: "60", WeightQuality: "30", WeightSocial: "10"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.db.Submit(f.ctx, f.east, res.BasketID); err != nil {
		t.Fatal(err)
	}
	if s := stats(); s.Converted != 1 {
		t.Fatalf("a quote awaiting approval is not a conversion: %+v", s)
	}
	f.approveAll(t, res.BasketID)
	if s := stats(); s != (TrialStats{Started: 2, Completed: 2, CriteriaMet: 3, Criteria: 4, Converted: 2}) || s.ConversionRate() != "100.0%" {
		t.Fatalf("both converted: %+v", s)
	}
	// Other agreements' trials are not counted; all agreements are.
	if s, err := f.db.TrialStats(f.ctx, TrialStatsFilter{AgreementID: f.ffcAgreementID}); err != nil || s != (TrialStats{}) {
		t.Fatalf("the other agreement: %+v, %v", s, err)
	}
	if s, err := f.db.TrialStats(f.ctx, TrialStatsFilter{OrgID: f.eastOrg}); err != nil || s.Started != 1 || s.Converted != 1 {
		t.Fatalf("Eastbridge's: %+v, %v", s, err)
	}
}

func TestTrialStatusNext(t *testing.T) {
	all := []TrialStatus{TrialSubmitted, TrialApproved, TrialDeclined, TrialActive, TrialCompleted, TrialWithdrawn}
	allowed := map[TrialStatus]map[Action]TrialStatus{
		TrialSubmitted: {ActionApprove: TrialApproved, ActionDecline: TrialDeclined, ActionWithdraw: TrialWithdrawn},
		TrialApproved:  {ActionStart: TrialActive},
		TrialActive:    {ActionComplete: TrialCompleted},
		TrialCompleted: {ActionStartBasket: TrialCompleted},
	}
	for _, s := range all {
		for _, a := range []Action{ActionApprove, ActionDecline, ActionWithdraw, ActionStart, ActionComplete, ActionStartBasket} {
			got, err := s.Next(a)
			want, ok := allowed[s][a]
			switch {
			case ok && (err != nil || got != want):
				t.Errorf("%s %s: got %s, %v; want %s", s, a, got, err, want)
			case !ok && ErrorCode(err) != ECONFLICT:
				t.Errorf("%s %s: got %s, %v; want a conflict", s, a, got, err)
			}
		}
	}
}

// Trial writes change the trials data version (the agreement page's trial
// numbers are cached on it) and no other.
func TestTrialWritesBumpTrialsVersionOnly(t *testing.T) {
	f := openTrialDB(t)
	check := func(step string, before Versions) {
		t.Helper()
		after := f.db.Versions()
		if after[DataTrials] <= before[DataTrials] {
			t.Errorf("%s: trials version %d → %d, want it raised", step, before[DataTrials], after[DataTrials])
		}
		if after[DataCatalogue] != before[DataCatalogue] || after[DataApprovals] != before[DataApprovals] {
			t.Errorf("%s: other versions changed: %v → %v", step, before, after)
		}
	}
	before := f.db.Versions()
	id := f.apply(t, f.north, f.form(povOnly, "pov"))
	check("applying", before)
	before = f.db.Versions()
	f.decide(t, f.vmo2, id, "approve", "")
	check("approving", before)
}
