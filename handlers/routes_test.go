package handlers

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHeadAnswersLikeGet(t *testing.T) {
	e, _ := newTestServer(t)
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/", http.StatusOK},
		{"/offerings", http.StatusOK},
		{"/healthz", http.StatusOK},
		{"/offerings/no-such-offering", http.StatusNotFound},
	} {
		t.Run(tc.path, func(t *testing.T) {
			rec := serve(e, httptest.NewRequest(http.MethodHead, tc.path, nil))
			if rec.Code != tc.want {
				t.Errorf("HEAD %s: got %d, want %d", tc.path, rec.Code, tc.want)
			}
		})
	}
}

func TestSearchQueryDropsControlCharacters(t *testing.T) {
	e, _ := newTestServer(t)
	rec := get(e, "/offerings?q=%00fibre%1b")
	if rec.Code != http.StatusOK {
		t.Fatalf("got %d, want 200", rec.Code)
	}
	body := readAll(t, rec.Result().Body)
	if strings.ContainsAny(string(body), "\x00\x1b") {
		t.Errorf("the page echoes control characters from the query")
	}
	if !strings.Contains(string(body), `value="fibre"`) {
		t.Errorf("got no search box holding the cleaned query \"fibre\"")
	}
}
