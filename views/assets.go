package views

import (
	"time"

	"portal/static"
)

// Asset returns the fingerprinted path of a static asset.
func Asset(name string) string { return static.Path(name) }

// ukDate formats a YYYY-MM-DD date as "26 November 2026"; anything else is shown as it is.
func ukDate(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return t.Format("2 January 2006")
}
