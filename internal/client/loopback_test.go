package client

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

// A plain-http base URL naming localhost is used only while the client's
// own resolution of the name gives loopback addresses and nothing else,
// and the connection goes to an address it checked: a resolver answering
// with anything else (a hosts file without localhost sends the name to
// DNS) gets nothing, not even a connection, and the refusal is not
// retried.
func TestPlainHTTP_localhostMustResolveToLoopbackOnly(t *testing.T) {
	t.Parallel()
	s := newCountingServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(http.StatusNoContent) })
	_, port, err := net.SplitHostPort(strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		addrs  []string
		wantOK bool
	}{
		"loopback only":             {addrs: []string{"127.0.0.1"}, wantOK: true},
		"both loopback families":    {addrs: []string{"::1", "127.0.0.1"}, wantOK: true},
		"one public address":        {addrs: []string{"127.0.0.1", "203.0.113.7"}},
		"public only":               {addrs: []string{"203.0.113.7"}},
		"private network":           {addrs: []string{"10.1.2.3"}},
		"unspecified address":       {addrs: []string{"0.0.0.0"}},
		"no address":                {addrs: nil},
		"mapped loopback is enough": {addrs: []string{"::ffff:127.0.0.1"}, wantOK: true},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var dialled []string
			c, _ := newRTClient(t, "http://localhost:"+port, func(cfg *Config) {
				tr := cfg.HTTPClient.Transport.(*http.Transport)
				tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
					mu.Lock()
					dialled = append(dialled, addr)
					mu.Unlock()
					return (&net.Dialer{}).DialContext(ctx, network, addr)
				}
			})
			var lookups []string
			c.lookup = func(_ context.Context, host string) ([]netip.Addr, error) {
				lookups = append(lookups, host)
				out := make([]netip.Addr, len(tc.addrs))
				for i, a := range tc.addrs {
					out[i] = netip.MustParseAddr(a)
				}
				return out, nil
			}
			before := s.count()
			err := c.DeleteFlow(t.Context(), "f1")
			if len(lookups) == 0 || lookups[0] != "localhost" {
				t.Errorf("lookups = %q, want the client to resolve localhost itself", lookups)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, a := range dialled {
				host, _, _ := net.SplitHostPort(a)
				if ip, err := netip.ParseAddr(host); err != nil || !ip.Unmap().IsLoopback() {
					t.Errorf("dialled %s", a)
				}
			}
			if tc.wantOK {
				if err != nil {
					t.Fatalf("DeleteFlow: %v", err)
				}
				return
			}
			if len(dialled) != 0 {
				t.Errorf("connected to %q before refusing", dialled)
			}
			var nl *NotLoopbackError
			if !errors.As(err, &nl) || !strings.Contains(err.Error(), "base_url") {
				t.Fatalf("err = %v, want a *NotLoopbackError naming base_url", err)
			}
			if len(lookups) != 1 {
				t.Errorf("resolved %d times: the refusal was retried", len(lookups))
			}
			if s.count() != before {
				t.Error("the request reached the server")
			}
		})
	}
}

// The system resolver is what the client asks by default; on this
// machine localhost is loopback, so the emulator case works unchanged.
func TestPlainHTTP_localhostWithTheSystemResolver(t *testing.T) {
	t.Parallel()
	s := newCountingServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(http.StatusNoContent) })
	addrs, err := lookupNetIP(t.Context(), "localhost")
	if err != nil {
		t.Skipf("localhost does not resolve here: %v", err)
	}
	for _, a := range addrs {
		if !a.Unmap().IsLoopback() {
			t.Skipf("localhost resolves to %v here", addrs)
		}
	}
	c, _ := newRTClient(t, strings.Replace(s.URL, "127.0.0.1", "localhost", 1), nil)
	if err := c.DeleteFlow(t.Context(), "f1"); err != nil {
		t.Fatalf("DeleteFlow: %v", err)
	}
	if s.count() != 1 {
		t.Errorf("%d requests", s.count())
	}
}
