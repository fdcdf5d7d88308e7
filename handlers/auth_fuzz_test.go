package handlers

// Fuzz targets for the sign-in form. A normal `go test` runs their seed
// corpus; to fuzz, run each for a while:
//
//	go test ./handlers -run '^$' -fuzz FuzzSafeReturnPath -fuzztime 30s
//	go test ./handlers -run '^$' -fuzz FuzzParseLoginForm -fuzztime 30s

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"portal/store"
)

func TestSafeReturnPath(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"/", true},
		{"/baskets", true},
		{"/baskets/12?tab=lines#total", true},
		{"/offerings?q=fibre%20500&page=2", true},
		{"/%2F%2Fevil.example", false}, // decodes to //evil.example: refused in case anything decodes it
		{"", false},
		{"baskets", false},
		{"//evil.example", false},
		{"///evil.example", false},
		{"https://evil.example", false},
		{"http:/evil.example", false},
		{"javascript:alert(1)", false},
		{`/\evil.example`, false},
		{`\/evil.example`, false},
		{`/\/evil.example`, false},
		{"/\t/evil.example", false},
		{"/\n/evil.example", false},
		{"/\r\n/evil.example", false},
		{"/ /evil.example", false},
		{"/\x00", false},
		{"/a\x7f", false},
		{"/\xff", false},
		{"/" + strings.Repeat("a", 3000), false},
	}
	for _, tt := range tests {
		got, ok := safeReturnPath(tt.in)
		if ok != tt.want {
			t.Errorf("safeReturnPath(%q) ok = %v, want %v", tt.in, ok, tt.want)
		}
		if ok && got != tt.in {
			t.Errorf("safeReturnPath(%q) = %q, want it unchanged", tt.in, got)
		}
		if !ok && got != "" {
			t.Errorf("safeReturnPath(%q) = %q on refusal, want \"\"", tt.in, got)
		}
	}
}

// checkSameSite fails if a browser, following Location: p from
// https://portal.example/login, could leave the site. Browsers drop tabs and
// newlines from URLs and treat "\" as "/", so the check applies those first.
func checkSameSite(t *testing.T, p string) {
	t.Helper()
	browser := strings.NewReplacer("\t", "", "\n", "", "\r", "", `\`, "/").Replace(p)
	for _, candidate := range []string{p, browser} {
		base, _ := url.Parse("https://portal.example/login")
		ref, err := url.Parse(candidate)
		if err != nil {
			t.Fatalf("accepted %q, which does not parse: %v", p, err)
		}
		if got := base.ResolveReference(ref); got.Host != "portal.example" || got.Scheme != "https" {
			t.Fatalf("accepted %q, which leads to %s", p, got)
		}
	}
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\t\r\n") {
		t.Fatalf("accepted %q", p)
	}
}

func FuzzSafeReturnPath(f *testing.F) {
	for _, s := range []string{"/", "/baskets/1", "//evil.example", "https://evil.example", `/\evil.example`,
		"/\t/evil.example", "/%2F%2Fevil", "/?next=//evil", "/#//evil", "/@evil.example", "/.//evil", "/..//evil",
		"/\u3002evil", "/\u2215\u2215evil.example", "\\\\evil", " /x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, ok := safeReturnPath(in)
		if !ok {
			if got != "" {
				t.Fatalf("refused %q but returned %q", in, got)
			}
			return
		}
		if got != in {
			t.Fatalf("accepted %q as %q", in, got)
		}
		checkSameSite(t, got)
	})
}

func FuzzParseLoginForm(f *testing.F) {
	for _, s := range []string{
		"email=buyer%40northshire.example&password=portal-demo-pass",
		"email=&password=",
		"email=a&password=b&next=%2Fbaskets",
		"email=a&password=b&next=%2F%2Fevil.example",
		"email=a&password=b&next=https%3A%2F%2Fevil.example",
		"email=a&password=b&next=%2F%5Cevil.example",
		"email=%20%20&password=%00",
		"email=x&email=y&password=p&password=q",
		"email=%ff%fe&password=x",
		"%zz=1&email=a",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		form, errs := parseLoginForm(v)
		if form.Next != "" {
			checkSameSite(t, form.Next)
		}
		if form.Email != strings.TrimSpace(form.Email) || utf8.RuneCountInString(form.Email) > store.MaxEmail || !utf8.ValidString(form.Email) {
			t.Fatalf("email %q not trimmed, too long or not UTF-8", form.Email)
		}
		// Errors come in form order, at most one per field, each with a message.
		order := map[string]int{"email": 0, "password": 1}
		last := -1
		for _, e := range errs {
			pos, ok := order[e.Field]
			if !ok || pos <= last || e.Message == "" {
				t.Fatalf("errors %v are not one per field in form order", errs)
			}
			last = pos
		}
		if len(errs) == 0 && (form.Email == "" || form.Password == "" || len(form.Password) > maxPasswordLen) {
			t.Fatalf("no errors for %+v", form)
		}
		if form.Password != v.Get("password") {
			t.Fatalf("password changed from %q to %q", v.Get("password"), form.Password)
		}
	})
}
