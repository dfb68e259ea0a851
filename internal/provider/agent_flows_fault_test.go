package provider

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/Diga-io/terraform-provider-diga/internal/contract"
)

// releaseFaults answers chosen agent writes the way a gateway or a lost
// connection can: each rule applies to the next matching requests, in
// order.
type releaseFaults struct {
	mu    sync.Mutex
	rules map[string][]string // "METHOD suffix" → outcomes: "429", "502-before", "502-after", "lost", "400"
}

func (f *releaseFaults) set(key string, outcomes ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rules == nil {
		f.rules = map[string][]string{}
	}
	f.rules[key] = outcomes
}

func (f *releaseFaults) next(r *http.Request) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for key, outcomes := range f.rules {
		method, suffix, _ := strings.Cut(key, " ")
		if r.Method == method && strings.HasSuffix(r.URL.Path, suffix) && len(outcomes) > 0 {
			f.rules[key] = outcomes[1:]
			return outcomes[0]
		}
	}
	return ""
}

func (f *releaseFaults) wrap(t testing.TB, h http.Handler) http.Handler {
	checked := contract.WrapRequests(t, h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch f.next(r) {
		case "429":
			w.Header().Set("Retry-After", "0")
			http.Error(w, `{"detail":"Too many requests"}`, http.StatusTooManyRequests)
		case "400":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"detail":"Phone number is being provisioned","code":"PHONE_BUSY"}`))
		case "502-before":
			http.Error(w, "<html>502 Bad Gateway</html>", http.StatusBadGateway)
		case "502-after":
			checked.ServeHTTP(httptest.NewRecorder(), r)
			http.Error(w, "<html>502 Bad Gateway</html>", http.StatusBadGateway)
		case "lost":
			checked.ServeHTTP(httptest.NewRecorder(), r)
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		default:
			checked.ServeHTTP(w, r)
		}
	})
}

// A release under a gateway's 429 and 502 and answers lost after Diga
// acted: one version per release, never an agent left unpublished, the
// numbers kept. A publish that keeps failing leaves the launched version
// for the next apply, which publishes it instead of launching another.
func TestAccAgentFlows_releaseUnderFaults(t *testing.T) {
	f := &releaseFaults{}
	tg := newAccTargetChecked(t, f.wrap)
	a := tg.liveAgent(t, "Support")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					f.set("POST /version", "lost")
					f.set("PATCH /published_version", "429", "502-after", "lost")
				},
				Config: agentConfig(tg, t, a.id, "[diga_flow.summary.id]", "  release = true"),
				Check:  tg.checkLive(a, 2, 2, "diga_flow.summary"),
			},
			{
				PreConfig: func() {
					f.set("POST /version", "502-after")
					f.set("PATCH /published_version", "400")
				},
				Config:      agentConfig(tg, t, a.id, "[diga_flow.summary.id, diga_flow.lookup.id]", "  release = true"),
				ExpectError: regexp.MustCompile(`(?s)Unable\s+to\s+publish\s+version\s+v3`),
			},
			{
				// The previous release is still live while v3 waits.
				PreConfig: func() {
					pub, n, err := tg.published(a.id)
					if err != nil || pub.Number != 2 || n != 3 {
						t.Errorf("after the failed publish: published v%d of %d versions (%v), want v2 of 3", pub.Number, n, err)
					}
				},
				Config: agentConfig(tg, t, a.id, "[diga_flow.summary.id, diga_flow.lookup.id]", "  release = true"),
				Check:  tg.checkLive(a, 3, 3, "diga_flow.summary", "diga_flow.lookup"),
			},
		},
	})
}
