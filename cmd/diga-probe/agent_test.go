package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// agentPrompt is the seeded agent's prompt: the printed output must not
// show it (the -json report may).
const agentPrompt = "You are the front desk of Clinica Sol. PROMPT-SENTINEL"

// liveFlow makes, as the Diga UI would, a published and enabled post-call
// flow (Call Finished, then a CODE step).
func liveFlow(t *testing.T, emu *emulator.Server, base string) string {
	t.Helper()
	id := emu.CreateFlow(testKey, "Post-call summary (live)")
	short := bodyA1(defaultDigaTrigger)
	short["settings"].(map[string]any)["pieceVersion"] = "0.1.0" // the emulator's Diga piece
	tree, err := completeTree(short, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	emu.EditFlow(testKey, id, func(trigger map[string]any) {
		clear(trigger)
		maps.Copy(trigger, tree)
	})
	c, err := client.New(client.Config{BaseURL: base, APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PublishFlow(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetFlowStatus(context.Background(), id, client.FlowStatusEnabled); err != nil {
		t.Fatal(err)
	}
	return id
}

// scratchAgent seeds, as the Diga dashboard would, an agent whose draft
// and published version v1 run one live flow, answering on one number.
func scratchAgent(t *testing.T, emu *emulator.Server, base, mode string) (agentID, flowID, versionID string) {
	t.Helper()
	flowID = liveFlow(t, emu, base)
	agentID = emu.AddAgent(testKey, emulator.AgentSeed{Name: "Probe scratch agent", Mode: mode, Prompt: agentPrompt, FlowIDs: []string{flowID}})
	emu.AddPhone(testKey, emulator.PhoneSeed{Number: "+34910000009", InboundAgentID: agentID})
	versionID, ok := emu.LaunchAndPublish(testKey, agentID, "v1")
	if !ok {
		t.Fatal("publishing the scratch agent failed")
	}
	return agentID, flowID, versionID
}

// checkAgentUntouched fails unless the agent's draft runs exactly flows
// again, its published version is still versionID and no version was
// launched; and unless no request launched, published or created anything
// of an agent.
func checkAgentUntouched(t *testing.T, emu *emulator.Server, rep *Report, agentID, versionID string, flows []string) {
	t.Helper()
	a, ok := emu.Agent(testKey, agentID)
	if !ok {
		t.Fatal("the agent is gone")
	}
	if !slices.Equal(a.Draft.FlowIDs, flows) {
		t.Errorf("the draft's flows are %v, want %v restored", a.Draft.FlowIDs, flows)
	}
	if a.PublishedVersionID != versionID || len(a.Versions) != 1 {
		t.Errorf("published %s with %d versions, want %s and 1 version", a.PublishedVersionID, len(a.Versions), versionID)
	}
	for _, ex := range rep.Exchanges {
		if strings.HasPrefix(ex.Path, "/v1/agent") && (ex.Method == http.MethodPost || ex.Method == http.MethodDelete ||
			strings.Contains(ex.Path, "/version") || strings.Contains(ex.Path, "/published_version")) {
			t.Errorf("the probe sent %s %s", ex.Method, ex.Path)
		}
	}
}

// checkOnlyFlowLeft fails unless the emulator holds only the seeded flow
// and the key shows nowhere.
func checkOnlyFlowLeft(t *testing.T, emu *emulator.Server, rep *Report, out, flowID string) {
	t.Helper()
	if flows := emu.Flows(testKey); len(flows) != 1 || flows[0].ID != flowID {
		t.Errorf("flows left: %+v, want only the seeded %s", flows, flowID)
	}
	js, _ := json.Marshal(rep)
	if strings.Contains(out, testKey) || strings.Contains(string(js), testKey) {
		t.Error("the API key appears in the output or the report")
	}
	if strings.Contains(out, "PROMPT-SENTINEL") {
		t.Errorf("the agent's prompt shows in the printed output:\n%s", out)
	}
}

// TestProbeAgentStepNamesEachAgentFlowMode runs the agent step against
// the emulator in each agent flow mode: the verdict names the mode, an
// id of no flow is refused in both, the draft gets its own flows back
// and no version is launched or published.
func TestProbeAgentStepNamesEachAgentFlowMode(t *testing.T) {
	t.Parallel()
	if got := emulator.AgentFlowModeNames(); strings.Join(got, ",") != modeAgentAccepted+","+modeAgentChecked {
		t.Fatalf("emulator agent flow modes %v; update the probe's names", got)
	}
	for _, m := range []emulator.AgentFlowMode{emulator.AgentFlowsAccepted, emulator.AgentFlowsChecked} {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			emu, base := startEmulator(t, nil, emulator.WithAgentFlowMode(m))
			agentID, flowID, versionID := scratchAgent(t, emu, base, "")
			out := &lockedBuffer{}
			cfg := probeConfig(base, out)
			cfg.AgentID = agentID
			rep, err := run(context.Background(), cfg)
			if err != nil {
				t.Fatalf("run: %v\n%s", err, out)
			}
			wantAnswer, extra := ansAccepted, agentRequestsAtMost // the assignment stays: restored
			if m == emulator.AgentFlowsChecked {
				wantAnswer, extra = ansRefused, agentRequestsAtLeast // nothing to restore
			}
			if v := verdict(t, rep, "agent_unpublished_flow"); v.Answer != wantAnswer || v.Mode != m.String() || v.Axis != "agent-flow" {
				t.Errorf("agent_unpublished_flow = %s (mode %q, axis %q), want %s (%s); evidence: %s", v.Answer, v.Mode, v.Axis, wantAnswer, m, v.Evidence)
			}
			if v := verdict(t, rep, "agent_unpublished_flow"); m == emulator.AgentFlowsChecked && !strings.Contains(v.Evidence, rep.FlowID) {
				t.Errorf("the refusal does not name the scratch flow %s: %s", rep.FlowID, v.Evidence)
			}
			if v := verdict(t, rep, "agent_no_such_flow"); v.Answer != ansRefused || !strings.Contains(v.Evidence, "422") {
				t.Errorf("agent_no_such_flow = %s, want refused with the 422; evidence: %s", v.Answer, v.Evidence)
			}
			if rep.AgentFlowMode != m.String() {
				t.Errorf("agent flow mode %q, want %s", rep.AgentFlowMode, m)
			}
			a := rep.Agent
			if a.Mode != "free" || !slices.Equal(a.DraftFlowIDs, []string{flowID}) || !a.HasPublished ||
				a.PublishedVersionNumber != 1 || !slices.Equal(a.PublishedFlowIDs, []string{flowID}) || !a.Restored {
				t.Errorf("agent result %+v", a)
			}
			if (a.Restore != nil) != (m == emulator.AgentFlowsAccepted) {
				t.Errorf("restore PATCH sent: %v, want it only when an assignment stayed", a.Restore != nil)
			}
			if want := requestsAtLeast + extra; rep.Requests != want {
				t.Errorf("%d requests, want %d", rep.Requests, want)
			}
			text := out.String()
			for _, s := range []string{
				"-agent-flow-mode " + m.String(),
				"DIGA_EMULATOR_AGENT_FLOW_MODE=" + m.String(),
				"The draft of agent " + agentID + " holds its own flows again: [" + flowID + "].",
				"Scratch flow " + rep.FlowID + " deleted.",
				"(draft 0, mode free, flows [" + flowID + " ENABLED]",
			} {
				if !strings.Contains(text, s) {
					t.Errorf("output lacks %q:\n%s", s, text)
				}
			}
			checkAgentUntouched(t, emu, rep, agentID, versionID, []string{flowID})
			checkOnlyFlowLeft(t, emu, rep, text, flowID)
		})
	}
}

// TestProbeAgentRestoredAfterInterrupt: the probe's context ends (Ctrl-C)
// once the first assignment is applied. The draft still gets its own
// flows back, with the cleanup context, and the flow is deleted.
func TestProbeAgentRestoredAfterInterrupt(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	interrupt := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			if r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, "/v1/agent/") {
				cancel()
			}
		})
	}
	emu, base := startEmulator(t, interrupt)
	agentID, flowID, versionID := scratchAgent(t, emu, base, "")
	out := &lockedBuffer{}
	cfg := probeConfig(base, out)
	cfg.AgentID = agentID
	rep, err := run(ctx, cfg)
	if err == nil {
		t.Fatalf("run succeeded after the interrupt:\n%s", out)
	}
	if !rep.Agent.Restored || len(rep.Agent.Assignments) != 1 {
		t.Errorf("restored %v after %d assignments, want restored after 1\n%s", rep.Agent.Restored, len(rep.Agent.Assignments), out)
	}
	for _, ex := range rep.Exchanges {
		if ex.Step == stepAgentNoFlow {
			t.Errorf("step %s ran after the interrupt", ex.Step)
		}
	}
	checkAgentUntouched(t, emu, rep, agentID, versionID, []string{flowID})
	checkOnlyFlowLeft(t, emu, rep, out.String(), flowID)
}

// TestProbeAgentRestoreRefused: every PATCH after the two assignments is
// refused. The output says the draft was not restored and what to set it
// back to, and the run fails.
func TestProbeAgentRestoreRefused(t *testing.T) {
	t.Parallel()
	var patches atomic.Int32
	refuse := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPatch && patches.Add(1) > 2 {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				_, _ = io.WriteString(w, `{"status":"error","error_code":"FORBIDDEN","message":"no permission"}`)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	emu, base := startEmulator(t, refuse)
	agentID, flowID, _ := scratchAgent(t, emu, base, "")
	out := &lockedBuffer{}
	cfg := probeConfig(base, out)
	cfg.AgentID = agentID
	rep, err := run(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "agent "+agentID+" was not restored") || !strings.Contains(err.Error(), flowID) {
		t.Fatalf("run error = %v, want one naming the agent and its flows", err)
	}
	text := out.String()
	for _, s := range []string{
		"COULD NOT RESTORE the draft of agent " + agentID + " (403 FORBIDDEN)",
		"Set its flows back to [" + flowID + "]",
		"was NOT restored",
	} {
		if !strings.Contains(text, s) {
			t.Errorf("output lacks %q:\n%s", s, text)
		}
	}
	if rep.Agent.Restored {
		t.Error("report says restored")
	}
}

// TestProbeAgentInPathModeIsOnlyRead: a conversational-path agent is read
// and nothing is assigned to it.
func TestProbeAgentInPathModeIsOnlyRead(t *testing.T) {
	t.Parallel()
	emu, base := startEmulator(t, nil)
	agentID, flowID, versionID := scratchAgent(t, emu, base, "path")
	out := &lockedBuffer{}
	cfg := probeConfig(base, out)
	cfg.AgentID = agentID
	rep, err := run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if v := verdict(t, rep, "agent_unpublished_flow"); v.Answer != ansUnknown || !strings.Contains(v.Evidence, "mode path") {
		t.Errorf("agent_unpublished_flow = %s (%s), want unknown, naming mode path", v.Answer, v.Evidence)
	}
	for _, ex := range rep.Exchanges {
		if ex.Method == http.MethodPatch {
			t.Errorf("the probe sent PATCH %s to a path agent", ex.Path)
		}
	}
	if rep.AgentFlowMode != "" || rep.Requests != requestsAtLeast+2 {
		t.Errorf("agent flow mode %q, %d requests; want none and the two reads only", rep.AgentFlowMode, rep.Requests)
	}
	checkAgentUntouched(t, emu, rep, agentID, versionID, []string{flowID})
	checkOnlyFlowLeft(t, emu, rep, out.String(), flowID)
}

// TestProbeAgentNotFound: an agent id the project lacks skips the step
// and fails the run, saying so; the rest of the probe runs as without it.
func TestProbeAgentNotFound(t *testing.T) {
	t.Parallel()
	emu, base := startEmulator(t, nil)
	out := &lockedBuffer{}
	cfg := probeConfig(base, out)
	cfg.AgentID = "5b7e1c9a-0d2f-4e6b-8a1c-3f5d7b9e1a2c"
	rep, err := run(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "agent step could not run") || !strings.Contains(err.Error(), "404") {
		t.Fatalf("run error = %v, want the agent step's 404\n%s", err, out)
	}
	if v := verdict(t, rep, "agent_unpublished_flow"); v.Answer != ansUnknown || !strings.Contains(v.Evidence, "404") {
		t.Errorf("agent_unpublished_flow = %s (%s), want unknown, with the 404", v.Answer, v.Evidence)
	}
	if rep.Requests != requestsAtLeast+1 {
		t.Errorf("%d requests, want the probe's and one agent read", rep.Requests)
	}
	checkClean(t, emu, rep, out.String())
}

// TestMainRefusesABadAgentID: a DIGA_PROBE_AGENT_ID that is not a UUID is
// refused before anything is sent.
func TestMainRefusesABadAgentID(t *testing.T) {
	t.Parallel()
	var sent atomic.Int32
	_, base := startEmulator(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sent.Add(1)
			next.ServeHTTP(w, r)
		})
	})
	for _, id := range []string{"..", "Reception", "5b7e1c9a-0d2f-4e6b-8a1c-3f5d7b9e1a2c/version"} {
		env := map[string]string{"DIGA_API_KEY": testKey, "DIGA_BASE_URL": base, "DIGA_PROBE_AGENT_ID": id}
		var stdout, stderr bytes.Buffer
		code := realMain(nil, func(k string) string { return env[k] }, &stdout, &stderr, nil)
		if code != 2 || !strings.Contains(stderr.String(), "is not an agent id") || sent.Load() != 0 {
			t.Fatalf("%q: exit %d, %d requests, stderr %q", id, code, sent.Load(), stderr.String())
		}
	}
}

// TestProbeAgentWithADisabledFlowIsOnlyRead: an agent whose draft holds a
// flow that is not enabled is read and nothing is assigned: Diga could
// refuse the assignment for that flow.
func TestProbeAgentWithADisabledFlowIsOnlyRead(t *testing.T) {
	t.Parallel()
	emu, base := startEmulator(t, nil, emulator.WithAgentFlowMode(emulator.AgentFlowsChecked))
	agentID, flowID, versionID := scratchAgent(t, emu, base, "")
	emu.SetStatus(testKey, flowID, "DISABLED")
	out := &lockedBuffer{}
	cfg := probeConfig(base, out)
	cfg.AgentID = agentID
	rep, err := run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if v := verdict(t, rep, "agent_unpublished_flow"); v.Answer != ansUnknown || !strings.Contains(v.Evidence, flowID+` with status "DISABLED"`) {
		t.Errorf("agent_unpublished_flow = %s (%s), want unknown, naming the disabled flow", v.Answer, v.Evidence)
	}
	if rep.Requests != requestsAtLeast+2 {
		t.Errorf("%d requests, want the probe's and the two agent reads", rep.Requests)
	}
	checkAgentUntouched(t, emu, rep, agentID, versionID, []string{flowID})
	checkOnlyFlowLeft(t, emu, rep, out.String(), flowID)
}
