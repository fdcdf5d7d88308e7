package handlers

import (
	"net/http"
	"net/http/httptest"
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
