package provider

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

// A failed test run whose answer names no failing step: the step comes
// from the run's failedStep (execution detail).
func TestFailingStepsFallBackToExecution(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/workflow/f1/test":
			_, _ = w.Write([]byte(`{"success":false,"runId":"r1","status":"FAILED","steps":null}`))
		case "/v1/workflow/executions/r1":
			_, _ = w.Write([]byte(`{"id":"r1","flowId":"f1","status":"FAILED","created":"2026-01-01T00:00:00Z","updated":"2026-01-01T00:00:00Z","failedStep":{"name":"post_slack","displayName":"Post"}}`))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{BaseURL: srv.URL, APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.TestFlow(t.Context(), "f1")
	if err != nil {
		t.Fatal(err)
	}
	got := describeFailedRun("f1", res.RunID, string(res.Status), failingSteps(t.Context(), c, res))
	if !strings.Contains(got, `step "post_slack" failed: (no error message)`) {
		t.Fatalf("description = %q", got)
	}
}
