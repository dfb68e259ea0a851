package client_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// A base_url with a wrong path prefix must never make a flow look deleted:
// Read would drop it from state (and the next apply create a duplicate) and
// Delete would report success without deleting anything.
func TestNotFound_wrongBasePathIsNotGone(t *testing.T) {
	t.Parallel()
	emu := emulator.New(emulator.WithAPIKeys(testKey))
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	id := emu.SeedFlows(testKey, 1, "kept ")[0]

	good, err := client.New(client.Config{BaseURL: srv.URL, APIKey: testKey, MaxRetries: ptr(0)})
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := client.New(client.Config{BaseURL: srv.URL + "/wrong/", APIKey: testKey, MaxRetries: ptr(0)})
	if err != nil {
		t.Fatal(err)
	}
	fullURL := srv.URL + "/wrong/v1/workflow/" + id

	_, getErr := wrong.GetFlow(t.Context(), id)
	deleteErr := wrong.DeleteFlow(t.Context(), id)
	for name, err := range map[string]error{"GetFlow": getErr, "DeleteFlow": deleteErr} {
		if err == nil {
			t.Fatalf("%s through the wrong base path succeeded", name)
		}
		if client.IsNotFound(err) {
			t.Errorf("%s: IsNotFound(%v) = true: a wrong URL would read as a deleted flow", name, err)
		}
		if !client.IsRouteNotFound(err) {
			t.Errorf("%s: IsRouteNotFound(%v) = false", name, err)
		}
		if !strings.Contains(err.Error(), fullURL) {
			t.Errorf("%s: error %q does not show the full URL %s", name, err, fullURL)
		}
		if !strings.Contains(err.Error(), "base_url") {
			t.Errorf("%s: error %q does not point at base_url", name, err)
		}
		assertNoKey(t, name, err.Error())
	}
	if _, ok := emu.Flow(testKey, id); !ok {
		t.Fatal("the flow is gone although every request went to a wrong URL")
	}

	// The same flow through the right base URL, then Diga's envelope 404
	// once it is really deleted.
	if _, err := good.GetFlow(t.Context(), id); err != nil {
		t.Fatalf("GetFlow through the right base URL: %v", err)
	}
	if err := good.DeleteFlow(t.Context(), id); err != nil {
		t.Fatalf("DeleteFlow: %v", err)
	}
	_, err = good.GetFlow(t.Context(), id)
	if !client.IsNotFound(err) || client.IsRouteNotFound(err) {
		t.Errorf("deleted flow: IsNotFound %t, IsRouteNotFound %t for %v", client.IsNotFound(err), client.IsRouteNotFound(err), err)
	}
	if strings.Contains(err.Error(), "base_url") {
		t.Errorf("a real not-found talks about base_url: %v", err)
	}
}

func TestNotFound_onlyDigasEnvelopeMeansGone(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, contentType, body string
		gone, route             bool
	}{
		{"Diga envelope", "application/json", `{"status":"error","error_code":"FLOW_NOT_FOUND","message":"Flow f1 not found"}`, true, false},
		{"envelope without status", "application/json", `{"error_code":"FLOW_NOT_FOUND","message":"Flow f1 not found"}`, true, false},
		{"envelope inside detail", "application/json", `{"detail":{"error_code":"FLOW_NOT_FOUND","message":"Flow f1 not found"}}`, true, false},
		{"FastAPI route 404", "application/json", `{"detail":"Not Found"}`, false, true},
		{"gateway HTML page", "text/html", "<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr><center>nginx</center></body></html>", false, true},
		{"gateway text", "text/plain", "404 page not found\n", false, true},
		{"gateway JSON message", "application/json", `{"message":"no Route matched with those values"}`, false, true},
		{"empty body", "application/json", "", false, true},
		{"application detail text", "application/json", `{"detail":"Template not found"}`, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte(tc.body))
			})
			c := newTestClient(t, ts, nil)
			_, err := c.GetFlow(t.Context(), "f1")
			if got := client.IsNotFound(err); got != tc.gone {
				t.Errorf("IsNotFound = %t, want %t (%v)", got, tc.gone, err)
			}
			if got := client.IsRouteNotFound(err); got != tc.route {
				t.Errorf("IsRouteNotFound = %t, want %t (%v)", got, tc.route, err)
			}
			showsURL := strings.Contains(err.Error(), ts.URL+"/v1/workflow/f1")
			if showsURL != tc.route {
				t.Errorf("full URL shown = %t, want %t: %v", showsURL, tc.route, err)
			}
			if asAPIError(t, err).URL != ts.URL+"/v1/workflow/f1" {
				t.Errorf("APIError.URL = %q", asAPIError(t, err).URL)
			}
		})
	}
}
