package client_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

// pathCalls are every client method that puts a caller's value into a URL
// path, each called with that value in one place and ordinary values in
// the others.
func pathCalls(c *client.Client) map[string]func(ctx context.Context, v string) error {
	sample := client.SaveSampleDataRequest{Payload: json.RawMessage(`{}`)}
	return map[string]func(ctx context.Context, v string) error{
		"GetFlow":    func(ctx context.Context, v string) error { _, err := c.GetFlow(ctx, v); return err },
		"DeleteFlow": func(ctx context.Context, v string) error { return c.DeleteFlow(ctx, v) },
		"RenameFlow": func(ctx context.Context, v string) error { _, err := c.RenameFlow(ctx, v, "x"); return err },
		"SetFlowStatus": func(ctx context.Context, v string) error {
			_, err := c.SetFlowStatus(ctx, v, client.FlowStatusEnabled)
			return err
		},
		"PublishFlow": func(ctx context.Context, v string) error { _, err := c.PublishFlow(ctx, v); return err },
		"TestFlow":    func(ctx context.Context, v string) error { _, err := c.TestFlow(ctx, v); return err },
		"TestTrigger": func(ctx context.Context, v string) error { _, err := c.TestTrigger(ctx, v); return err },
		"ListExecutions": func(ctx context.Context, v string) error {
			_, err := c.ListExecutions(ctx, v, client.ListExecutionsParams{})
			return err
		},
		"GetExecution":  func(ctx context.Context, v string) error { _, err := c.GetExecution(ctx, v); return err },
		"GetPiece":      func(ctx context.Context, v string) error { _, err := c.GetPiece(ctx, v); return err },
		"GetTemplate":   func(ctx context.Context, v string) error { _, err := c.GetTemplate(ctx, v); return err },
		"CopyTemplate":  func(ctx context.Context, v string) error { _, err := c.CopyTemplate(ctx, v, nil); return err },
		"TestStep/flow": func(ctx context.Context, v string) error { _, err := c.TestStep(ctx, v, "step_1"); return err },
		"TestStep/step": func(ctx context.Context, v string) error { _, err := c.TestStep(ctx, "f1", v); return err },
		"SaveSample/flow": func(ctx context.Context, v string) error {
			_, err := c.SaveSampleData(ctx, v, "step_1", sample)
			return err
		},
		"SaveSample/step": func(ctx context.Context, v string) error {
			_, err := c.SaveSampleData(ctx, "f1", v, sample)
			return err
		},
		"GetSample/flow": func(ctx context.Context, v string) error { _, err := c.GetSampleData(ctx, v, "step_1", ""); return err },
		"GetSample/step": func(ctx context.Context, v string) error { _, err := c.GetSampleData(ctx, "f1", v, ""); return err },
		"ImportFlow": func(ctx context.Context, v string) error {
			_, err := c.ImportFlow(ctx, v, client.ImportFlowRequest{DisplayName: "x", Trigger: json.RawMessage(`{}`)})
			return err
		},
	}
}

// Every value that becomes part of a URL path is one segment: "" (which
// would address the route above), "." and ".." (which a proxy normalising
// dot segments, RFC 3986 §5.2.4, turns into another route: step ".." of
// flow f1 into POST /v1/workflow/f1/test, the whole flow's test) are
// refused before anything is sent, whatever the method and whichever
// parameter carries them.
func TestPaths_dotSegmentsAndEmptyValuesAreNeverSent(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, respond(http.StatusOK, `{}`))
	c := newTestClient(t, ts, nil)
	for name, call := range pathCalls(c) {
		for _, v := range []string{"", ".", ".."} {
			err := call(t.Context(), v)
			if err == nil {
				t.Errorf("%s(%q) succeeded", name, v)
				continue
			}
			if v != "" && !strings.Contains(err.Error(), "URL path") {
				t.Errorf("%s(%q): error %q does not say why", name, v, err)
			}
		}
	}
	if reqs := ts.Requests(); len(reqs) != 0 {
		t.Errorf("the server saw %d request(s), the first %s %s", len(reqs), reqs[0].Method, reqs[0].RequestURI)
	}
}

// Values that only contain dots, slashes or escapes are sent, each as one
// escaped segment that no normalisation splits or removes.
func TestPaths_otherValuesAreOneEscapedSegment(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, respond(http.StatusNotFound, `{"status":"error","error_code":"NOT_FOUND","message":"no"}`))
	c := newTestClient(t, ts, nil)
	values := map[string]string{
		"...":     "...",
		"a/b":     "a%2Fb",
		"../x":    "..%2Fx",
		"%2e%2e":  "%252e%252e",
		".. ":     "..%20",
		"a?b#c":   "a%3Fb%23c",
		"step_1.": "step_1.",
	}
	for in, want := range values {
		before := len(ts.Requests())
		_, _ = c.TestStep(t.Context(), "f1", in)
		reqs := ts.Requests()[before:]
		if len(reqs) != 1 {
			t.Fatalf("TestStep(%q): %d requests", in, len(reqs))
		}
		if uri := reqs[0].RequestURI; uri != "/v1/workflow/f1/steps/"+want+"/test" {
			t.Errorf("TestStep(%q) sent %s, want the step as the one segment %s", in, uri, want)
		}
	}
}
