package views

import (
	"net/url"
	"strconv"
	"time"

	"portal/store"
)

// ukTime formats an instant's UK time of day: "2:05pm".
func ukTime(t time.Time) string { return t.In(store.London).Format("3:04pm") }

// ukDateTime formats an instant as UK date and time: "26 November 2026, 2:05pm".
func ukDateTime(t time.Time) string {
	return t.In(store.London).Format("2 January 2006, 3:04pm")
}

// securityTagClass colours a security event by how much it needs attention.
func securityTagClass(kind string) string {
	switch kind {
	case store.SecSignedIn, store.SecSignedOut:
		return "tag--green"
	case store.SecAccountLocked, store.SecDeviceLocked, store.SecThrottled, store.SecGuessingNotice:
		return "tag--red"
	case store.SecSignInFailed, store.SecSignInLocked:
		return "tag--yellow"
	}
	return "tag--grey"
}

// securityPageURL is the log's URL with the same filters on another page.
func securityPageURL(f store.SecurityFilter, page int) string {
	v := url.Values{}
	for _, kv := range [][2]string{{"kind", f.Kind}, {"email", f.Email}, {"ip", f.IP}, {"from", f.From}, {"to", f.To}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/admin/security"
	}
	return "/admin/security?" + v.Encode()
}

// validDate returns s when it is a real YYYY-MM-DD date, else "": a date
// input cannot hold anything else (only a hand-edited address could send
// it, and the error message says what was wrong).
func validDate(s string) string {
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return ""
	}
	return s
}
