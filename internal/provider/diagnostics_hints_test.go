package provider

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

// The hints addAPIError adds, each only where it applies.
func TestAddAPIError_hints(t *testing.T) {
	t.Parallel()
	gone := func(method string) error {
		return &client.APIError{StatusCode: 404, Method: method, Path: "/v1/workflow/f1/rename", Envelope: true,
			ErrorCode: "FLOW_NOT_FOUND", Message: "Flow f1 not found"}
	}
	cases := []struct {
		name      string
		err       error
		want, not []string
	}{
		{"write to a deleted flow", gone("PATCH"), []string{"no longer exists", "terraform plan", "create it again"}, nil},
		{"read of a missing flow", gone("GET"), []string{"FLOW_NOT_FOUND"}, []string{"create it again"}},
		{"time budget", fmt.Errorf("POST /v1/workflow/: %w", context.DeadlineExceeded), []string{"timeouts"}, nil},
		{"refused", &client.ConnectionRefusedError{Method: "GET", Path: "/v1/workflow/", BaseURL: "http://127.0.0.1:1", Attempts: 3, Err: syscall.ECONNREFUSED},
			[]string{"base_url", "http://127.0.0.1:1", envBaseURL}, []string{"timeouts"}},
		{"other transport error", fmt.Errorf("GET /v1/workflow/: boom"), []string{"boom"}, []string{"timeouts", "create it again"}},
	}
	for _, tc := range cases {
		var diags diag.Diagnostics
		addAPIError(&diags, "Unable to do it", tc.err, nil)
		if len(diags) != 1 {
			t.Fatalf("%s: %d diagnostics", tc.name, len(diags))
		}
		detail := diags[0].Detail()
		for _, w := range tc.want {
			if !strings.Contains(detail, w) {
				t.Errorf("%s: detail lacks %q: %s", tc.name, w, detail)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(detail, n) {
				t.Errorf("%s: detail has %q: %s", tc.name, n, detail)
			}
		}
	}
}
