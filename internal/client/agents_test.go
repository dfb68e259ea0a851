package client_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/contract"
	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

const missingAgent = "0b8e4f1e-1c5a-4c3e-9f2a-7d6b5a4c3b2a"

// agentEmulator serves an emulator project (key testKey) through the
// contract validator; requests of the client are recorded.
func agentEmulator(t *testing.T, opts ...emulator.Option) (*emulator.Server, *client.Client, *testServer) {
	t.Helper()
	emu := emulator.New(append([]emulator.Option{emulator.WithAPIKeys(testKey)}, opts...)...)
	ts := newDigaServer(t, emu.ServeHTTP)
	return emu, newTestClient(t, ts, nil), ts
}

func TestAgents_assignLaunchPublishAgainstTheEmulator(t *testing.T) {
	t.Parallel()
	emu, c, ts := agentEmulator(t)
	ctx := t.Context()
	f1, f2 := emu.CreateFlow(testKey, "Post-call"), emu.CreateFlow(testKey, "Lookup")
	agentID := emu.AddAgent(testKey, emulator.AgentSeed{Name: "Reception", Prompt: "Be kind"})
	phone := emu.AddPhone(testKey, emulator.PhoneSeed{Number: "+34910000000"})
	emu.AddPhone(testKey, emulator.PhoneSeed{Number: "+34910000001"})

	draft, err := c.GetAgent(ctx, agentID)
	if err != nil {
		t.Fatal(err)
	}
	if draft.ID != agentID || draft.Name != "Reception" || draft.Mode != "free" || !draft.IsDraft || draft.IsPublished ||
		draft.VersionNumber != 0 || draft.VersionName != "" || draft.ConversationalPathID != "" || len(draft.Flows) != 0 {
		t.Errorf("draft = %+v", draft)
	}
	if !strings.Contains(string(draft.Raw), `"prompt":"Be kind"`) {
		t.Errorf("Raw = %s", draft.Raw)
	}

	got, err := c.SetAgentFlows(ctx, agentID, []string{f1, f2})
	if err != nil {
		t.Fatal(err)
	}
	want := []client.AgentFlow{{ID: f1, Name: "Post-call", Status: "DISABLED"}, {ID: f2, Name: "Lookup", Status: "DISABLED"}}
	if !reflect.DeepEqual(got.Flows, want) {
		t.Errorf("flows = %+v, want %+v", got.Flows, want)
	}
	if reqs := ts.Requests(); string(reqs[len(reqs)-1].Body) != `{"flow_ids":["`+f1+`","`+f2+`"]}` {
		t.Errorf("PATCH body = %s", reqs[len(reqs)-1].Body)
	}

	if _, ok, err := c.GetPublishedAgent(ctx, agentID); err != nil || ok {
		t.Fatalf("GetPublishedAgent before a release = %t, %v", ok, err)
	}
	v1, err := c.LaunchAgentVersion(ctx, agentID, "release-1")
	if err != nil {
		t.Fatal(err)
	}
	if v1.VersionNumber != 1 || v1.VersionName != "release-1" || v1.IsDraft || len(v1.Flows) != 2 {
		t.Errorf("v1 = %+v", v1)
	}
	pub, err := c.PublishAgentVersion(ctx, agentID, client.PublishAgentRequest{VersionID: v1.VersionID, InboundPhoneNumberID: phone})
	if err != nil {
		t.Fatal(err)
	}
	if pub != (client.PublishedAgent{AgentID: agentID, PublishedVersionID: v1.VersionID, InboundPhoneNumberID: phone}) {
		t.Errorf("publish = %+v", pub)
	}
	if reqs := ts.Requests(); string(reqs[len(reqs)-1].Body) != `{"version_id":"`+v1.VersionID+`","inbound_phone_number_id":"`+phone+`"}` {
		t.Errorf("publish body = %s (empty phone ids are left out)", reqs[len(reqs)-1].Body)
	}
	published, ok, err := c.GetPublishedAgent(ctx, agentID)
	if err != nil || !ok || published.VersionID != v1.VersionID || !published.IsPublished {
		t.Fatalf("GetPublishedAgent = %+v, %t, %v", published, ok, err)
	}
	phones, err := c.ListPhones(ctx, client.PhoneFilter{InboundAgentID: agentID})
	if err != nil || len(phones) != 1 || phones[0].ID != phone || phones[0].InboundAgentID != agentID || phones[0].Number != "+34910000000" || phones[0].Status != "assigned" {
		t.Fatalf("ListPhones = %+v, %v", phones, err)
	}
	if all, err := c.ListPhones(ctx, client.PhoneFilter{}); err != nil || len(all) != 2 {
		t.Fatalf("all phones = %+v, %v", all, err)
	}

	// The draft moves on; the version stays.
	if _, err := c.SetAgentFlows(ctx, agentID, nil); err != nil {
		t.Fatal(err)
	}
	if reqs := ts.Requests(); string(reqs[len(reqs)-1].Body) != `{"flow_ids":[]}` {
		t.Errorf("PATCH body for no flows = %s", reqs[len(reqs)-1].Body)
	}
	again, err := c.GetAgentVersion(ctx, agentID, v1.VersionID)
	if err != nil || len(again.Flows) != 2 || !again.IsPublished {
		t.Fatalf("GetAgentVersion = %+v, %v", again, err)
	}
	if _, err := c.LaunchAgentVersion(ctx, agentID, "release-2"); err != nil {
		t.Fatal(err)
	}
	versions, err := c.ListAgentVersions(ctx, agentID)
	if err != nil || len(versions) != 2 || versions[0].VersionName != "release-2" || versions[1].VersionID != v1.VersionID {
		t.Fatalf("ListAgentVersions = %+v, %v", versions, err)
	}
}

func TestAgents_notFoundIsTyped(t *testing.T) {
	t.Parallel()
	emu, c, _ := agentEmulator(t)
	agentID := emu.AddAgent(testKey, emulator.AgentSeed{Name: "A"})
	ctx := t.Context()
	_, getErr := c.GetAgent(ctx, missingAgent)
	_, versionErr := c.GetAgentVersion(ctx, agentID, missingAgent)
	_, setErr := c.SetAgentFlows(ctx, missingAgent, []string{})
	_, listErr := c.ListAgentVersions(ctx, missingAgent)
	for name, err := range map[string]error{"GetAgent": getErr, "GetAgentVersion": versionErr, "SetAgentFlows": setErr, "ListAgentVersions": listErr} {
		if !client.IsNotFound(err) {
			t.Errorf("%s: IsNotFound(%v) = false", name, err)
		}
	}
	// A missing agent reads as "nothing published" here; GetAgent tells
	// the two apart.
	if _, ok, err := c.GetPublishedAgent(ctx, missingAgent); ok || err != nil {
		t.Errorf("GetPublishedAgent(missing) = %t, %v", ok, err)
	}
}

func TestAgents_refusedBeforeSending(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, respond(http.StatusOK, `{}`))
	c := newTestClient(t, ts, nil)
	ctx := t.Context()
	if _, err := c.PublishAgentVersion(ctx, missingAgent, client.PublishAgentRequest{InboundPhoneNumberID: missingAgent}); err == nil ||
		!strings.Contains(err.Error(), "never unpublishes") {
		t.Errorf("PublishAgentVersion without a version: %v", err)
	}
	if _, err := c.LaunchAgentVersion(ctx, missingAgent, ""); err == nil {
		t.Error("LaunchAgentVersion without a version name succeeded")
	}
	if _, err := c.GetAgentVersion(ctx, missingAgent, ""); err == nil {
		t.Error("GetAgentVersion without a version id succeeded")
	}
	if _, err := c.GetAgent(ctx, ".."); err == nil {
		t.Error("GetAgent(..) succeeded")
	}
	if n := len(ts.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// agentJSON is a minimal AgentResponseSchema with the given extra fields.
func agentJSON(extra string) string {
	return `{"agent_id":"` + missingAgent + `","modified_at":"2026-07-22T10:00:00Z","created_at":"2026-07-22T10:00:00Z",` +
		`"version_id":"1b8e4f1e-1c5a-4c3e-9f2a-7d6b5a4c3b2a","version_number":3,"version_created_at":"2026-07-22T10:00:00Z",` +
		`"voice":{"id":"2b8e4f1e-1c5a-4c3e-9f2a-7d6b5a4c3b2a","name":"v","provider":"elevenlabs","provider_voice_id":"p","is_favourite":false},` +
		`"language":"es","mode":"free"` + extra + `}`
}

func TestGetPublishedAgent_bothReadingsOfNothingPublished(t *testing.T) {
	t.Parallel()
	// A server that answers the draft (is_published false) for
	// ?is_published=true: nothing is published.
	ts := newDigaServer(t, respond(http.StatusOK, agentJSON(`,"is_draft":true,"is_published":false`)))
	c := newTestClient(t, ts, nil)
	if a, ok, err := c.GetPublishedAgent(t.Context(), missingAgent); ok || err != nil || a.ID != "" {
		t.Errorf("GetPublishedAgent = %+v, %t, %v", a, ok, err)
	}
	if q := ts.only(t).Query.Get("is_published"); q != "true" {
		t.Errorf("is_published = %q", q)
	}
	// A route-level 404 is a wrong URL, not "nothing published".
	wrong := newTestServer(t, respond(http.StatusNotFound, `{"detail":"Not Found"}`))
	if _, ok, err := newTestClient(t, wrong, nil).GetPublishedAgent(t.Context(), missingAgent); ok || !client.IsRouteNotFound(err) {
		t.Errorf("route 404: %t, %v", ok, err)
	}
}

func TestListAgentsAndPhones_followEveryPage(t *testing.T) {
	t.Parallel()
	emu, c, ts := agentEmulator(t)
	var want []string
	for i := range 105 {
		want = append(want, emu.AddAgent(testKey, emulator.AgentSeed{Name: fmt.Sprint("agent ", i)}))
	}
	agents, err := c.ListAgents(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range agents {
		got = append(got, a.ID)
		if !a.IsDraft {
			t.Errorf("ListAgents gave a non-draft %+v", a)
		}
	}
	slices.Reverse(got) // newest first
	if !slices.Equal(got, want) {
		t.Errorf("ListAgents gave %d agents, want the %d in order", len(got), len(want))
	}
	reqs := ts.Requests()
	if len(reqs) != 2 || reqs[0].Query.Get("limit") != "100" || reqs[1].Query.Get("after") != want[5] {
		t.Errorf("requests = %+v", reqs)
	}
	for i := range 3 {
		emu.AddPhone(testKey, emulator.PhoneSeed{Number: fmt.Sprint("+", i), OutboundAgentID: want[0]})
	}
	phones, err := c.ListPhones(t.Context(), client.PhoneFilter{OutboundAgentID: want[0]})
	if err != nil || len(phones) != 3 {
		t.Fatalf("ListPhones = %+v, %v", phones, err)
	}
	if q := ts.Requests()[2].Query; q.Get("outbound_agent_id") != want[0] || q.Has("inbound_agent_id") {
		t.Errorf("phone query = %v", q)
	}
}

func TestAgentDraftDifferences(t *testing.T) {
	t.Parallel()
	raw := func(s string) client.Agent { return client.Agent{Raw: []byte(s)} }
	draft := raw(`{"agent_id":"a","version_id":"d","version_number":0,"is_draft":true,"modified_at":"x","name":"A",
		"prompt":"new","volume":50,"voice":{"id":"v","name":"n"},"flows":[{"id":"f2"}],"validation_issues":[],
		"time_before_start":null,"dynamic_variables":{"a":1,"b":[1,2]}}`)
	published := raw(`{"dynamic_variables":{"b":[1.0,2],"a":1e0},"voice":{"name":"n","id":"v"},"volume":50.0,"name":"A",
		"prompt":"old","agent_id":"a","version_id":"p","version_number":4,"is_published":true,"modified_at":"y",
		"version_created_at":"z","version_name":"v4","flows":[{"id":"f1"}],"validation_issues":null,"greeting":"Hi"}`)
	if got, want := client.AgentDraftDifferences(draft, published), []string{"greeting", "prompt"}; !slices.Equal(got, want) {
		t.Errorf("differences = %v, want %v", got, want)
	}
	if got := client.AgentDraftDifferences(draft, draft); len(got) != 0 {
		t.Errorf("an answer differs from itself: %v", got)
	}
}

// faultyLaunches wraps an emulator: the n-th POST …/version is given to
// fault(n), which may answer it itself; everything else is served as is.
// The emulator's own fault injection is switched on and off per request
// through SetFaults. Only the client's requests are checked against the
// contract (the injected answers are off-contract on purpose).
type faultyLaunches struct {
	emu   *emulator.Server
	mu    sync.Mutex
	posts int
	fault func(n int, w http.ResponseWriter, r *http.Request) bool
}

func (f *faultyLaunches) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/version") {
		f.mu.Lock()
		f.posts++
		n := f.posts
		f.mu.Unlock()
		if f.fault(n, w, r) {
			return
		}
	}
	f.emu.SetFaults(emulator.Faults{})
	f.emu.ServeHTTP(w, r)
}

func launchClient(t *testing.T, f *faultyLaunches, retries int) (*client.Client, *recordingLogger) {
	t.Helper()
	srv := httptest.NewServer(contract.WrapRequests(t, f))
	t.Cleanup(srv.Close)
	logger := &recordingLogger{}
	c, err := client.New(client.Config{BaseURL: srv.URL, APIKey: testKey, Logger: logger, MaxRetries: ptr(retries),
		RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c, logger
}

func TestLaunchAgentVersion_neverLaunchesTwice(t *testing.T) {
	t.Parallel()
	// injected runs the emulator's own fault injection on the first POST.
	injected := func(faults emulator.Faults) func(*emulator.Server) func(int, http.ResponseWriter, *http.Request) bool {
		return func(emu *emulator.Server) func(int, http.ResponseWriter, *http.Request) bool {
			return func(n int, w http.ResponseWriter, r *http.Request) bool {
				if n == 1 {
					emu.SetFaults(faults)
					emu.ServeHTTP(w, r)
					return true
				}
				return false
			}
		}
	}
	// appliedThen502 lets the emulator launch, then answers 502 as a proxy
	// that lost the answer would.
	appliedThen502 := func(emu *emulator.Server) func(int, http.ResponseWriter, *http.Request) bool {
		return func(n int, w http.ResponseWriter, r *http.Request) bool {
			if n != 1 {
				return false
			}
			emu.SetFaults(emulator.Faults{})
			emu.ServeHTTP(httptest.NewRecorder(), r)
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html><title>502 Bad Gateway</title></html>")
			return true
		}
	}
	for name, tc := range map[string]struct {
		fault        func(*emulator.Server) func(int, http.ResponseWriter, *http.Request) bool
		posts, lists int
		found        bool
	}{
		"lost answer after the launch":  {injected(emulator.Faults{LostAnswerRate: 1}), 1, 1, true},
		"502 after the launch":          {appliedThen502, 1, 1, true},
		"429 before the launch":         {injected(emulator.Faults{ErrorRate: 1, ErrorStatuses: []int{429}}), 2, 0, false},
		"502 from a proxy, not applied": {injected(emulator.Faults{ErrorRate: 1, ErrorStatuses: []int{502}}), 2, 1, false},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			emu := emulator.New(emulator.WithAPIKeys(testKey))
			agentID := emu.AddAgent(testKey, emulator.AgentSeed{Name: "A"})
			f := &faultyLaunches{emu: emu, fault: tc.fault(emu)}
			c, logger := launchClient(t, f, 4)
			v, err := c.LaunchAgentVersion(t.Context(), agentID, "release-1")
			if err != nil {
				t.Fatalf("LaunchAgentVersion: %v", err)
			}
			snap, _ := emu.Agent(testKey, agentID)
			if len(snap.Versions) != 1 || snap.Versions[0].ID != v.VersionID || v.VersionName != "release-1" || v.VersionNumber != 1 {
				var held []string
				for _, sv := range snap.Versions {
					held = append(held, fmt.Sprintf("#%d %s %q", sv.Number, sv.ID, sv.Name))
				}
				t.Fatalf("server holds versions %v, the call returned #%d %s %q", held, v.VersionNumber, v.VersionID, v.VersionName)
			}
			lists := 0
			for _, r := range emu.Requests() {
				if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/version") {
					lists++
				}
			}
			if f.posts != tc.posts || lists != tc.lists {
				t.Errorf("%d launches and %d listings, want %d and %d", f.posts, lists, tc.posts, tc.lists)
			}
			foundLogged := false
			for _, e := range logger.Entries() {
				foundLogged = foundLogged || e.Msg == "found the agent version an earlier launch attempt created"
			}
			if foundLogged != tc.found {
				t.Errorf("found-version warning logged: %t, want %t", foundLogged, tc.found)
			}
			assertLogsHaveNoKey(t, logger)
		})
	}
}

func TestLaunchAgentVersion_ambiguousWithoutRetries(t *testing.T) {
	t.Parallel()
	emu := emulator.New(emulator.WithAPIKeys(testKey))
	agentID := emu.AddAgent(testKey, emulator.AgentSeed{Name: "A"})
	// A proxy's 502 before the launch, and no retries allowed: the client
	// looks, finds nothing and says the outcome is unknown.
	f := &faultyLaunches{emu: emu, fault: func(n int, w http.ResponseWriter, _ *http.Request) bool {
		if n > 1 {
			return false
		}
		w.WriteHeader(http.StatusBadGateway)
		return true
	}}
	c, _ := launchClient(t, f, 0)
	_, err := c.LaunchAgentVersion(t.Context(), agentID, "release-1")
	var amb *client.AmbiguousLaunchError
	if !errors.As(err, &amb) || amb.AgentID != agentID || amb.VersionName != "release-1" {
		t.Fatalf("error %T %v, want *AmbiguousLaunchError", err, err)
	}
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadGateway {
		t.Errorf("the 502 is not in the chain: %v", err)
	}
	if f.posts != 1 {
		t.Errorf("%d launches", f.posts)
	}
	// A clean refusal (404) is not ambiguous and needs no listing.
	_, err = c.LaunchAgentVersion(t.Context(), missingAgent, "x")
	if errors.As(err, &amb) || !client.IsNotFound(err) {
		t.Errorf("unknown agent: %T %v", err, err)
	}
}
