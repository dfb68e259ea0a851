package client

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// sink is a loopback server that records everything it receives; a
// redirect target that must receive nothing.
type sink struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // "METHOD path auth=<yes|no> body=<len>"
}

func newSink(t *testing.T, tls bool, handler http.HandlerFunc) *sink {
	t.Helper()
	s := &sink{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		auth := "no"
		if r.Header.Get("Authorization") != "" {
			auth = "yes"
		}
		s.mu.Lock()
		s.seen = append(s.seen, r.Method+" "+r.URL.Path+" auth="+auth+" body="+string(body))
		s.mu.Unlock()
		if handler != nil {
			handler(w, r)
			return
		}
		writeStatus(w, http.StatusOK, "application/json", flowJSON("f1", "x", time.Now()))
	})
	if tls {
		s.Server = httptest.NewTLSServer(h)
	} else {
		s.Server = httptest.NewServer(h)
	}
	t.Cleanup(s.Close)
	return s
}

func (s *sink) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

// redirectTo answers every request with a 307 to target + the request path.
func redirectTo(target func() string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", target()+r.URL.Path)
		w.WriteHeader(http.StatusTemporaryRedirect)
	}
}

func TestRedirect_offOriginIsRefusedAndNothingIsSent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// setup returns the API server (which redirects), the client
		// config's HTTPClient and the server that must receive nothing.
		setup func(t *testing.T) (api *sink, hc *http.Client, target *sink)
	}{
		{"https to plain http (downgrade)", func(t *testing.T) (*sink, *http.Client, *sink) {
			target := newSink(t, false, nil)
			api := newSink(t, true, redirectTo(func() string { return target.URL }))
			return api, api.Client(), target
		}},
		{"same host, other port", func(t *testing.T) (*sink, *http.Client, *sink) {
			target := newSink(t, false, nil)
			api := newSink(t, false, redirectTo(func() string { return target.URL }))
			return api, nil, target
		}},
		{"other host name for the same address (127.0.0.1 → localhost)", func(t *testing.T) (*sink, *http.Client, *sink) {
			var api *sink
			api = newSink(t, false, func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.URL.Path, "/elsewhere") {
					writeStatus(w, http.StatusOK, "application/json", flowJSON("f1", "x", time.Now()))
					return
				}
				redirectTo(func() string {
					return strings.Replace(api.URL, "127.0.0.1", "localhost", 1) + "/elsewhere"
				})(w, r)
			})
			// The target is the same server, under another host name: it
			// must see only the first request.
			return api, nil, nil
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api, hc, target := tc.setup(t)
			if hc == nil {
				hc = &http.Client{}
			}
			userClient := hc
			checkBefore := hc.CheckRedirect
			c, err := New(Config{BaseURL: api.URL, APIKey: rtKey, HTTPClient: hc, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if userClient.CheckRedirect != nil || checkBefore != nil {
				t.Error("the supplied http.Client was changed")
			}

			// A write with a body (the create) and a read.
			_, createErr := c.CreateFlow(t.Context(), "secret-bearing body")
			_, getErr := c.GetFlow(t.Context(), "f1")
			for name, err := range map[string]error{"CreateFlow": createErr, "GetFlow": getErr} {
				var re *RedirectError
				if !errors.As(err, &re) {
					t.Fatalf("%s: err = %v (%T), want *RedirectError", name, err, err)
				}
				if re.Status != http.StatusTemporaryRedirect || re.Location == "" || !strings.Contains(err.Error(), re.Location) {
					t.Errorf("%s: RedirectError %+v / %v does not name where it pointed", name, re, err)
				}
				var amb *AmbiguousCreateError
				if errors.As(err, &amb) {
					t.Errorf("%s: a refused redirect cannot have created anything: %v", name, err)
				}
				assertNoRTKey(t, name, err)
			}
			if target != nil {
				if got := target.requests(); len(got) != 0 {
					t.Errorf("redirect target received %v", got)
				}
			}
			// Exactly one request each (not retried, no listing), both to
			// the API server itself.
			got := api.requests()
			if len(got) != 2 || !strings.HasPrefix(got[0], "POST /v1/workflow/ auth=yes") || !strings.HasPrefix(got[1], "GET /v1/workflow/f1 auth=yes") {
				t.Errorf("API server saw %q, want one POST and one GET", got)
			}
		})
	}
}

func TestRedirect_sameOriginIsFollowedWithBodyAndKey(t *testing.T) {
	t.Parallel()
	// FastAPI's redirect_slashes: the other form of the path gets a 307
	// to the documented one, same scheme, host and port.
	api := newSink(t, false, func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/") {
			w.Header().Set("Location", "http://"+r.Host+r.URL.Path+"/")
			w.WriteHeader(http.StatusTemporaryRedirect)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+rtKey {
			writeStatus(w, http.StatusUnauthorized, "application/json", `{"status":"error","error_code":"INVALID_API_KEY","message":"no key"}`)
			return
		}
		writeStatus(w, http.StatusOK, "application/json", flowJSON("f1", "Renamed", time.Now()))
	})
	c, _ := newRTClient(t, api.URL, nil)
	f, err := c.RenameFlow(t.Context(), "f1", "Renamed")
	if err != nil {
		t.Fatalf("RenameFlow through a same-origin 307: %v", err)
	}
	if f.ID != "f1" {
		t.Errorf("flow = %+v", f)
	}
	want := []string{
		`PATCH /v1/workflow/f1/rename auth=yes body={"name":"Renamed"}`,
		`PATCH /v1/workflow/f1/rename/ auth=yes body={"name":"Renamed"}`,
	}
	if got := api.requests(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("server saw\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRedirect_suppliedCheckRedirectStillApplies(t *testing.T) {
	t.Parallel()
	api := newSink(t, false, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/workflow/f1" {
			w.Header().Set("Location", "/v1/workflow/f2")
			w.WriteHeader(http.StatusTemporaryRedirect)
			return
		}
		writeStatus(w, http.StatusOK, "application/json", flowJSON("f2", "x", time.Now()))
	})
	stop := errors.New("caller's policy: no redirects at all")
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return stop }}
	c, _ := newRTClient(t, api.URL, func(cfg *Config) { cfg.HTTPClient = hc })
	if _, err := c.GetFlow(t.Context(), "f1"); !errors.Is(err, stop) {
		t.Errorf("err = %v, want the supplied CheckRedirect's error", err)
	}
	if got := api.requests(); len(got) != 1 {
		t.Errorf("server saw %v", got)
	}
}

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestRedirect_origin(t *testing.T) {
	t.Parallel()
	same := [][2]string{
		{"https://api.diga.io/v1/x", "https://API.diga.io:443/v1/y"},
		{"http://127.0.0.1:80/a", "http://127.0.0.1/b"},
		{"http://[::1]:8080/a", "http://[::1]:8080/b?q=1"},
	}
	differ := [][2]string{
		{"https://api.diga.io/", "http://api.diga.io/"},
		{"https://api.diga.io/", "https://api.diga.io:8443/"},
		{"http://127.0.0.1:1/", "http://localhost:1/"},
		{"https://api.diga.io/", "https://evil.diga.io/"},
	}
	for _, p := range same {
		if a, b := origin(mustParse(p[0])), origin(mustParse(p[1])); a != b {
			t.Errorf("%s and %s: %s != %s", p[0], p[1], a, b)
		}
	}
	for _, p := range differ {
		if a, b := origin(mustParse(p[0])), origin(mustParse(p[1])); a == b {
			t.Errorf("%s and %s: both %s", p[0], p[1], a)
		}
	}
}
