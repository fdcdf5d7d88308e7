package views

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestHiddenTextKeepsItsSpace: visually hidden text after visible text
// reads as separate words ("Remove Business SIM", not "RemoveBusiness SIM").
func TestHiddenTextKeepsItsSpace(t *testing.T) {
	var b bytes.Buffer
	if err := Hidden("Business SIM").Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), `<span class="visually-hidden"> Business SIM</span>`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestNoHandWrittenHiddenSuffixes: every visually hidden suffix to visible
// text goes through Hidden, so none can lose its space again.
func TestNoHandWrittenHiddenSuffixes(t *testing.T) {
	files, err := filepath.Glob("*.templ")
	if err != nil || len(files) == 0 {
		t.Fatalf("no templ files: %v", err)
	}
	re := regexp.MustCompile(`[\p{L}\p{N}]<span class="visually-hidden">`)
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := re.Find(src); m != nil {
			t.Errorf("%s: %q: use @Hidden(text) for hidden text after visible text", f, m)
		}
	}
}

// TestHomeTitleIsTheServiceNameAlone: not "X – X" (UI.md).
func TestHomeTitleIsTheServiceNameAlone(t *testing.T) {
	if got := (Page{Title: ServiceName}).documentTitle(); got != ServiceName {
		t.Errorf("home title %q, want %q", got, ServiceName)
	}
	if got, want := (Page{Title: "Offerings"}).documentTitle(), "Offerings – "+ServiceName; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
