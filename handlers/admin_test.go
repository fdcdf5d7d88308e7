package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"portal/store"
)

func TestAdminCreatesUser(t *testing.T) {
	env := newAuthEnv(t)
	admin := env.client()
	admin.signIn("admin")
	north := strconv.FormatInt(env.orgs["north"].ID, 10)

	t.Run("valid form: 303 to the list, flash, and the user can sign in", func(t *testing.T) {
		w := admin.do("POST", "/admin/users", url.Values{"name": {"Nia New"}, "email": {"Nia@Testshire.example"}, "org": {north},
			"role": {store.RoleBuyer}, "password": {"a brand new password"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/admin/users" {
			t.Fatalf("got %d %q, want 303 /admin/users\n%s", w.Code, w.Header().Get("Location"), w.Body)
		}
		d := authDoc(t, admin.do("GET", "/admin/users", nil))
		if got := d.Find(".notification--success").Text(); !strings.Contains(got, "Account created for Nia New (nia@testshire.example)") {
			t.Fatalf("flash %q", got)
		}
		if d.Find("td:contains('nia@testshire.example')").Length() != 1 {
			t.Fatal("new user not in the list")
		}
		cl := env.client()
		cl.do("GET", "/login", nil)
		if w := cl.do("POST", "/login", url.Values{"email": {"nia@testshire.example"}, "password": {"a brand new password"}}); w.Code != http.StatusSeeOther {
			t.Fatalf("new user signs in: %d", w.Code)
		}
	})
	t.Run("invalid form: 422, errors in form order, nothing saved, password not echoed", func(t *testing.T) {
		before, _ := env.db.Users(t.Context(), store.Operator())
		w := admin.do("POST", "/admin/users", url.Values{"name": {""}, "email": {"not-an-email"}, "org": {north}, "role": {store.RoleReviewer}, "password": {"short pw"}})
		if w.Code != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", w.Code)
		}
		d := authDoc(t, w)
		var links []string
		d.Find(".error-summary a").Each(func(_ int, s *goquery.Selection) {
			h, _ := s.Attr("href")
			links = append(links, h)
		})
		if got := strings.Join(links, " "); got != "#name #email #role #password" {
			t.Fatalf("error summary links %q, want #name #email #role #password", got)
		}
		for _, f := range []string{"name", "email", "password"} {
			if d.Find("#"+f+`[aria-invalid="true"]`).Length() != 1 || d.Find("#"+f+"-error").Length() != 1 {
				t.Errorf("field %s not marked invalid with its message", f)
			}
		}
		if v, _ := d.Find("#password").Attr("value"); v != "" {
			t.Errorf("password echoed: %q", v)
		}
		if v, _ := d.Find("#email").Attr("value"); v != "not-an-email" {
			t.Errorf("email not kept: %q", v)
		}
		if d.Find(`#org option[selected]`).AttrOr("value", "") != north {
			t.Error("organisation choice not kept")
		}
		after, _ := env.db.Users(t.Context(), store.Operator())
		if len(after) != len(before) {
			t.Fatal("an invalid form saved a user")
		}
	})
	t.Run("weak passwords are refused with a message by the field (issue 14)", func(t *testing.T) {
		for _, tt := range []struct{ name, pw, want string }{
			{"a common password", "password1234", "harder to guess"},
			{"twelve spaces", strings.Repeat(" ", 12), "characters other than spaces"},
			{"twelve NULs", strings.Repeat("\x00", 12), "control characters"},
		} {
			w := admin.do("POST", "/admin/users", url.Values{"name": {"Wes Weak"}, "email": {"wes@testshire.example"}, "org": {north}, "role": {store.RoleBuyer}, "password": {tt.pw}})
			if w.Code != http.StatusUnprocessableEntity {
				t.Fatalf("%s: status %d, want 422", tt.name, w.Code)
			}
			if got := text(authDoc(t, w).Find("#password-error")); !strings.Contains(got, tt.want) {
				t.Errorf("%s: field message %q, want it to say %q", tt.name, got, tt.want)
			}
		}
		if _, err := env.db.UserByEmail(t.Context(), store.Operator(), "wes@testshire.example"); store.ErrorCode(err) != store.ENOTFOUND {
			t.Fatalf("a weak password created the account (err %v)", err)
		}
	})
	t.Run("role that does not suit the organisation is a field error", func(t *testing.T) {
		w := admin.do("POST", "/admin/users", url.Values{"name": {"R"}, "email": {"r@testshire.example"}, "org": {north}, "role": {store.RoleReviewer}, "password": {"long enough password"}})
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(authDoc(t, w).Find(".error-summary").Text(), "Reviewers must belong to Crown Commercial Service") {
			t.Fatalf("status %d", w.Code)
		}
	})
	t.Run("names are escaped", func(t *testing.T) {
		w := admin.do("POST", "/admin/users", url.Values{"name": {"<script>alert(1)</script>"}, "email": {"xss@testshire.example"}, "org": {north},
			"role": {store.RoleBuyer}, "password": {"a brand new password"}})
		if w.Code != http.StatusSeeOther {
			t.Fatalf("status %d", w.Code)
		}
		body := admin.do("GET", "/admin/users", nil).Body.String()
		if strings.Contains(body, "<script>alert(1)</script>") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Fatal("user name not escaped in the list or flash")
		}
	})
}

func TestAdminCreatesOrganisation(t *testing.T) {
	env := newAuthEnv(t)
	admin := env.client()
	admin.signIn("admin")
	w := admin.do("POST", "/admin/organisations", url.Values{"name": {"Southvale <b>Unitary</b>"}, "type": {store.OrgUnitaryAuthority}, "identifier": {"GB-LAC-E06000999"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/admin/organisations" {
		t.Fatalf("got %d %q", w.Code, w.Header().Get("Location"))
	}
	list := admin.do("GET", "/admin/organisations", nil)
	body := list.Body.String()
	if !strings.Contains(body, "Southvale &lt;b&gt;Unitary&lt;/b&gt;") || strings.Contains(body, "<b>Unitary</b>") {
		t.Fatal("organisation name missing or not escaped")
	}
	if !strings.Contains(body, "Unitary authority") || !strings.Contains(body, "GB-LAC-E06000999") {
		t.Fatal("type or identifier missing")
	}
	w = admin.do("POST", "/admin/organisations", url.Values{"name": {"southvale <B>UNITARY</B>"}})
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("duplicate and no type: %d, want 422", w.Code)
	}
	var links []string
	authDoc(t, w).Find(".error-summary a").Each(func(_ int, s *goquery.Selection) { links = append(links, s.AttrOr("href", "")) })
	if strings.Join(links, " ") != "#name #type #identifier" {
		t.Fatalf("error links %v, want #name #type #identifier", links)
	}
	t.Run("the type radios' first input carries the field id", func(t *testing.T) {
		if authDoc(t, w).Find(`input#type[type="radio"]`).Length() != 1 {
			t.Fatal("the error summary link #type has no target")
		}
	})
}

func TestAdminCannotDisableSelf(t *testing.T) {
	env := newAuthEnv(t)
	admin := env.client()
	admin.signIn("admin")
	d := authDoc(t, admin.do("GET", "/admin/users", nil))
	if d.Find(`form[action="/admin/users/`+strconv.FormatInt(env.users["admin"].ID, 10)+`/disable"]`).Length() != 0 {
		t.Fatal("the list offers to disable the admin's own account")
	}
	w := admin.do("POST", "/admin/users/"+strconv.FormatInt(env.users["admin"].ID, 10)+"/disable", url.Values{})
	if w.Code != http.StatusBadRequest {
		t.Fatalf("disable self: %d, want 400", w.Code)
	}
	if w := admin.do("GET", "/admin", nil); w.Code != http.StatusOK {
		t.Fatalf("admin still signed in: %d", w.Code)
	}
	if w := admin.do("POST", "/admin/users/999999/disable", url.Values{}); w.Code != http.StatusNotFound {
		t.Fatalf("unknown user: %d, want 404", w.Code)
	}
	if w := admin.do("POST", "/admin/users/abc/disable", url.Values{}); w.Code != http.StatusNotFound {
		t.Fatalf("bad id: %d, want 404", w.Code)
	}
}

func TestAdminOrganisationIdentifierIsUnique(t *testing.T) {
	env := newAuthEnv(t)
	admin := env.client()
	admin.signIn("admin")
	for _, tt := range []struct{ identifier, want string }{
		{"", "Enter the organisation’s identifier"},
		{"gb-lac-e10000001", "scheme and a number"},
		{"GB-LAC-e10000001", "already belongs to Testshire County Council"},
	} {
		w := admin.do("POST", "/admin/organisations", url.Values{"name": {"Newshire Council"}, "type": {store.OrgCountyCouncil}, "identifier": {tt.identifier}})
		if w.Code != http.StatusUnprocessableEntity {
			t.Fatalf("identifier %q: got %d, want 422", tt.identifier, w.Code)
		}
		checkErrorSummary(t, authDoc(t, w), "identifier", tt.want)
	}
}

// TestAdminUsersListSaysWhatItDoes: a supplier user's supplier by name, not
// its slug; "Disable" asks first (a disclosure with the real button).
func TestAdminUsersListSaysWhatItDoes(t *testing.T) {
	env := newAuthEnv(t)
	admin := env.client()
	admin.signIn("admin")
	d := authDoc(t, admin.do("GET", "/admin/users", nil))
	row := d.Find("tr:contains('catalogue@test-supplier.example')")
	if got := row.Text(); !strings.Contains(got, "(for Virgin Media O2 Business)") || strings.Contains(got, "("+store.DemoSupplierVMO2B+")") {
		t.Errorf("supplier user row %q: want the supplier's name, not its slug", got)
	}
	disable := row.Find("details.confirm")
	if !strings.HasPrefix(strings.TrimSpace(disable.Find("summary").Text()), "Disable") {
		t.Errorf("no Disable disclosure: %q", disable.Find("summary").Text())
	}
	if got := strings.TrimSpace(disable.Find(`form[action$="/disable"] button`).Text()); got != "Yes, disable Sam Supplier" {
		t.Errorf("confirm button %q", got)
	}
	if !row.Find(`form[action$="/disable"]`).Parent().Is("details") {
		t.Error("the disable form is not behind the confirmation")
	}
}
