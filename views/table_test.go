package views

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTableWrapIsAKeyboardRegion: the wrapper is focusable, a region and
// named, so a table that scrolls can be scrolled from the keyboard.
func TestTableWrapIsAKeyboardRegion(t *testing.T) {
	var b bytes.Buffer
	if err := TableWrap("Lines in Mobiles & SIMs").Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`class="table-wrap"`, `tabindex="0"`, `role="region"`, `aria-label="Lines in Mobiles &amp; SIMs"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("TableWrap renders %s, want %s in it", b.String(), want)
		}
	}
}

// TestEveryTableWrapIsTheComponent: no template writes the wrapper by hand,
// so none can miss its tabindex, role or name again.
func TestEveryTableWrapIsTheComponent(t *testing.T) {
	files, err := filepath.Glob("*.templ")
	if err != nil || len(files) == 0 {
		t.Fatalf("no templ files: %v", err)
	}
	for _, f := range files {
		if f == "table.templ" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			if strings.Contains(line, "table-wrap") {
				t.Errorf("%s:%d writes a table-wrap by hand; use @TableWrap(label): %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}
