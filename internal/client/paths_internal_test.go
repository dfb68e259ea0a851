package client

import (
	"net/http"
	"strings"
	"testing"
)

// The last guard: a path holding a dot segment is not sent, however it
// was built, and the refusal is not retried.
func TestSend_refusesDotSegmentsWhateverBuiltThePath(t *testing.T) {
	t.Parallel()
	s := newCountingServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(http.StatusNoContent) })
	c, _ := newRTClient(t, s.URL, nil)
	for _, p := range []string{"/v1/workflow/f1/steps/../test", "/v1/workflow/./f1", "/v1/workflow/..", "/v1/workflow/f1/.."} {
		err := c.do(t.Context(), http.MethodPost, p, nil, nil, nil)
		if err == nil || !strings.Contains(err.Error(), "dot segment") {
			t.Errorf("%s: err = %v", p, err)
		}
	}
	if n := s.count(); n != 0 {
		t.Errorf("the server saw %d request(s)", n)
	}
}
