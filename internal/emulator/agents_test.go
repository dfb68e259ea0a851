package emulator

import (
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// liveFlow creates a flow with a Diga trigger, published and enabled: one
// an agent can run.
func (c *apiClient) liveFlow(name string) string {
	c.t.Helper()
	id := str(c.create(name), "id")
	c.importFlow(id, map[string]any{"displayName": name, "trigger": digaTrigger("call_finished", nil)})
	expectJSON(c.t, c.do("POST", "/v1/workflow/"+id+"/publish", nil), http.StatusOK)
	expectJSON(c.t, c.do("PATCH", "/v1/workflow/"+id+"/status", map[string]any{"status": "ENABLED"}), http.StatusOK)
	return id
}

func flowIDsOf(t *testing.T, agent map[string]any) []string {
	t.Helper()
	flows, ok := agent["flows"].([]any)
	if !ok {
		t.Fatalf("flows is %T in %v", agent["flows"], agent)
	}
	out := []string{}
	for _, f := range flows {
		out = append(out, str(obj(f), "id"))
	}
	return out
}

func TestAgentDraftDefaultsAndLookups(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	id := c.srv.AddAgent(keyA, AgentSeed{Name: "Reception", Prompt: "Be kind"})
	got := expectJSON(t, c.do("GET", "/v1/agent/"+id, nil), http.StatusOK)
	for k, want := range map[string]any{
		"agent_id": id, "name": "Reception", "prompt": "Be kind", "mode": "free", "language": "es",
		"is_draft": true, "is_published": false, "version_number": float64(0), "version_name": nil,
		"volume": float64(50), "conversational_path_id": nil,
	} {
		if !reflect.DeepEqual(got[k], want) {
			t.Errorf("%s = %#v, want %#v", k, got[k], want)
		}
	}
	if v := obj(got["voice"]); v["id"] != defaultVoiceID || v["provider"] != "elevenlabs" {
		t.Errorf("voice = %v", v)
	}
	if issues, ok := got["validation_issues"].([]any); !ok || len(issues) != 0 {
		t.Errorf("a draft's validation_issues = %#v, want []", got["validation_issues"])
	}
	draftVersion := str(got, "version_id")
	again := expectJSON(t, c.do("GET", "/v1/agent/"+id+"?version_id="+draftVersion, nil), http.StatusOK)
	if again["is_draft"] != true {
		t.Errorf("version_id of the draft answered %v", again)
	}

	missing := "0b8e4f1e-1c5a-4c3e-9f2a-7d6b5a4c3b2a"
	expectEnvelope(t, c.do("GET", "/v1/agent/"+missing, nil), http.StatusNotFound, "AGENT_NOT_FOUND", "Agent "+missing+" not found")
	expectEnvelope(t, c.as(keyB).do("GET", "/v1/agent/"+id, nil), http.StatusNotFound, "AGENT_NOT_FOUND", "Agent "+id+" not found")
	rec := c.do("GET", "/v1/agent/not-a-uuid", nil)
	if d := expectJSON(t, rec, http.StatusUnprocessableEntity); !strings.Contains(rec.Body.String(), `"uuid_parsing"`) {
		t.Errorf("non-UUID id answered %v", d)
	}
	expectEnvelope(t, c.do("GET", "/v1/agent/"+id+"?is_published=true", nil), http.StatusNotFound,
		"PUBLISHED_VERSION_NOT_FOUND", "Agent "+id+" has no published version")
	expectEnvelope(t, c.do("GET", "/v1/agent/"+id+"?is_published=true&version_id="+draftVersion, nil), http.StatusBadRequest,
		"BAD_PARAMETER", "Cannot specify both version_id and is_published parameters together")
	expectEnvelope(t, c.do("GET", "/v1/agent/"+id+"?version_id="+missing, nil), http.StatusNotFound,
		"AGENT_VERSION_NOT_FOUND", "Version "+missing+" of agent "+id+" not found")
}

func TestAgentPatchChangesOnlyGivenFields(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	f1, f2 := c.liveFlow("one"), c.liveFlow("two")
	id := c.srv.AddAgent(keyA, AgentSeed{Name: "Reception", Prompt: "Be kind"})

	got := expectJSON(t, c.do("PATCH", "/v1/agent/"+id, map[string]any{"flow_ids": []string{f2, f1, f2}}), http.StatusOK)
	if ids := flowIDsOf(t, got); !slices.Equal(ids, []string{f2, f1}) {
		t.Errorf("flows = %v, want %v (duplicates kept once, order kept)", ids, []string{f2, f1})
	}
	info := obj(got["flows"].([]any)[0])
	if info["name"] != "two" || info["status"] != "ENABLED" || info["requires_setup"] != false {
		t.Errorf("flow info = %v", info)
	}
	if got["name"] != "Reception" || got["prompt"] != "Be kind" {
		t.Errorf("flow_ids changed other fields: %v", got)
	}

	got = expectJSON(t, c.do("PATCH", "/v1/agent/"+id, map[string]any{"prompt": "Be brief", "volume": 70}), http.StatusOK)
	if ids := flowIDsOf(t, got); !slices.Equal(ids, []string{f2, f1}) || got["prompt"] != "Be brief" || got["volume"] != float64(70) || got["name"] != "Reception" {
		t.Errorf("after a prompt edit: %v", got)
	}
	// The flow's name and status are read at answer time.
	c.srv.RenameFlow(keyA, f1, "renamed")
	c.srv.SetStatus(keyA, f1, "DISABLED")
	got = expectJSON(t, c.do("GET", "/v1/agent/"+id, nil), http.StatusOK)
	if info := obj(got["flows"].([]any)[1]); info["name"] != "renamed" || info["status"] != "DISABLED" {
		t.Errorf("flow info after a rename = %v", info)
	}

	got = expectJSON(t, c.do("PATCH", "/v1/agent/"+id, map[string]any{"flow_ids": nil, "name": "Front desk"}), http.StatusOK)
	if len(flowIDsOf(t, got)) != 2 {
		t.Errorf("flow_ids null changed the flows: %v", got["flows"])
	}
	got = expectJSON(t, c.do("PATCH", "/v1/agent/"+id, map[string]any{"flow_ids": []string{}}), http.StatusOK)
	if len(flowIDsOf(t, got)) != 0 {
		t.Errorf("flow_ids [] kept %v", got["flows"])
	}

	expectDetail(t, c.do("PATCH", "/v1/agent/"+id, map[string]any{"flow_ids": []string{f1, "nope"}}),
		`[{"type":"value_error","loc":["body","flow_ids",1],"msg":"Value error, Flow nope not found","input":"nope","ctx":{"error":"Flow nope not found"}}]`)
	expectDetail(t, c.do("PATCH", "/v1/agent/"+id, map[string]any{"volume": 101, "mode": "both"}),
		`[{"type":"less_than_equal","loc":["body","volume"],"msg":"Input should be less than or equal to 100","input":101,"ctx":{"le":100}},`+
			`{"type":"enum","loc":["body","mode"],"msg":"Input should be 'free' or 'path'","input":"both","ctx":{"expected":"'free' or 'path'"}}]`)
	if snap, _ := c.srv.Agent(keyA, id); len(snap.Draft.FlowIDs) != 0 || snap.Draft.Fields["name"] != "Front desk" {
		t.Errorf("a refused PATCH changed the draft: %+v", snap.Draft)
	}

	missing := "0b8e4f1e-1c5a-4c3e-9f2a-7d6b5a4c3b2a"
	expectEnvelope(t, c.do("PATCH", "/v1/agent/"+missing, map[string]any{"flow_ids": []string{}}), http.StatusNotFound, "AGENT_NOT_FOUND", "")
}

func TestAgentPathModeRefusesFlowIDs(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	f := c.liveFlow("one")
	id := c.srv.AddAgent(keyA, AgentSeed{Name: "Path", Mode: "path"})
	rec := c.do("PATCH", "/v1/agent/"+id, map[string]any{"flow_ids": []string{f}})
	expectEnvelope(t, rec, http.StatusBadRequest, "BAD_PARAMETER", "")
	mustContain(t, rec.Body.String(), "mode path")
	// Other fields of a path agent can still change, and switching to free
	// in the same request allows flows.
	expectJSON(t, c.do("PATCH", "/v1/agent/"+id, map[string]any{"prompt": "x"}), http.StatusOK)
	got := expectJSON(t, c.do("PATCH", "/v1/agent/"+id, map[string]any{"mode": "free", "flow_ids": []string{f}}), http.StatusOK)
	if ids := flowIDsOf(t, got); len(ids) != 1 {
		t.Errorf("flows = %v", ids)
	}
}

func TestAgentFlowModes(t *testing.T) {
	t.Parallel()
	for _, mode := range []AgentFlowMode{AgentFlowsAccepted, AgentFlowsChecked} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			c := newClient(t, WithAgentFlowMode(mode))
			live := c.liveFlow("live")
			unpublished := str(c.create("draft only"), "id")
			disabled := str(c.create("disabled"), "id")
			c.importFlow(disabled, map[string]any{"displayName": "disabled", "trigger": digaTrigger("call_finished", nil)})
			expectJSON(t, c.do("POST", "/v1/workflow/"+disabled+"/publish", nil), http.StatusOK)
			webhook := str(c.create("webhook"), "id")
			c.importFlow(webhook, slackImport("webhook"))
			expectJSON(t, c.do("POST", "/v1/workflow/"+webhook+"/publish", nil), http.StatusOK)
			expectJSON(t, c.do("PATCH", "/v1/workflow/"+webhook+"/status", map[string]any{"status": "ENABLED"}), http.StatusOK)
			id := c.srv.AddAgent(keyA, AgentSeed{Name: "A"})

			expectJSON(t, c.do("PATCH", "/v1/agent/"+id, map[string]any{"flow_ids": []string{live}}), http.StatusOK)
			for flow, why := range map[string]string{
				unpublished: "it is not published", disabled: "it is not enabled",
				webhook: "its published version has no Diga trigger (@diga/piece-diga)",
			} {
				rec := c.do("PATCH", "/v1/agent/"+id, map[string]any{"flow_ids": []string{live, flow}})
				if mode == AgentFlowsAccepted {
					if got := expectJSON(t, rec, http.StatusOK); len(flowIDsOf(t, got)) != 2 {
						t.Errorf("accepted mode stored %v", got["flows"])
					}
					continue
				}
				expectEnvelope(t, rec, http.StatusBadRequest, "FLOW_NOT_ASSIGNABLE", "Flow "+flow+" cannot be assigned to an agent: "+why)
				if snap, _ := c.srv.Agent(keyA, id); !slices.Equal(snap.Draft.FlowIDs, []string{live}) {
					t.Errorf("a refused assignment changed the draft: %v", snap.Draft.FlowIDs)
				}
			}
		})
	}
}

func TestStrictTurnsAgentFlowChecksOn(t *testing.T) {
	t.Parallel()
	opts, err := ModeOptionsFromEnv(func(k string) string {
		if k == EnvStrict {
			return "1"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := New(opts...); s.agentFlowMode != AgentFlowsChecked {
		t.Errorf("strict: agent flow mode %s", s.agentFlowMode)
	}
	opts, err = ModeOptionsFromEnv(func(k string) string {
		return map[string]string{EnvStrict: "1", EnvAgentFlowMode: "accepted"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := New(opts...); s.agentFlowMode != AgentFlowsAccepted {
		t.Errorf("strict with %s=accepted: %s", EnvAgentFlowMode, s.agentFlowMode)
	}
	if _, err := ModeOptionsFromEnv(func(k string) string { return map[string]string{EnvAgentFlowMode: "lax"}[k] }); err == nil {
		t.Error("an unknown agent flow mode was accepted")
	}
}

func TestAgentVersionsLaunchPublishAndDelete(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	f1, f2 := c.liveFlow("one"), c.liveFlow("two")
	id := c.srv.AddAgent(keyA, AgentSeed{Name: "A", FlowIDs: []string{f1}})
	other := c.srv.AddAgent(keyA, AgentSeed{Name: "B"})

	v1 := expectJSON(t, c.do("POST", "/v1/agent/"+id+"/version", map[string]any{"version_name": "first"}), http.StatusCreated)
	if v1["version_number"] != float64(1) || v1["version_name"] != "first" || v1["is_draft"] != false || v1["is_published"] != false || v1["validation_issues"] != nil {
		t.Errorf("v1 = %v", v1)
	}
	expectJSON(t, c.do("PATCH", "/v1/agent/"+id, map[string]any{"flow_ids": []string{f1, f2}, "prompt": "new"}), http.StatusOK)
	v2 := expectJSON(t, c.do("POST", "/v1/agent/"+id+"/version", map[string]any{}), http.StatusCreated)
	if v2["version_number"] != float64(2) || v2["version_name"] != nil || len(flowIDsOf(t, v2)) != 2 {
		t.Errorf("v2 = %v", v2)
	}
	// v1 is immutable.
	got := expectJSON(t, c.do("GET", "/v1/agent/"+id+"?version_id="+str(v1, "version_id"), nil), http.StatusOK)
	if len(flowIDsOf(t, got)) != 1 || got["prompt"] != "" {
		t.Errorf("v1 changed with the draft: %v", got)
	}
	list := expectJSON(t, c.do("GET", "/v1/agent/"+id+"/version", nil), http.StatusOK)
	if data := list["data"].([]any); len(data) != 2 || obj(data[0])["version_number"] != float64(2) {
		t.Errorf("versions = %v", list)
	}

	// Publishing needs a phone number in the project.
	rec := c.do("PATCH", "/v1/agent/"+id+"/published_version", map[string]any{"version_id": str(v1, "version_id")})
	expectEnvelope(t, rec, http.StatusBadRequest, "BAD_PARAMETER", "Publishing an agent needs a phone number in the project")
	in := c.srv.AddPhone(keyA, PhoneSeed{Number: "+34910000001"})
	untouched := c.srv.AddPhone(keyA, PhoneSeed{Number: "+34910000002", InboundAgentID: other})

	expectEnvelope(t, c.do("PATCH", "/v1/agent/"+other+"/published_version", map[string]any{"version_id": str(v1, "version_id")}),
		http.StatusNotFound, "AGENT_VERSION_NOT_FOUND", "")
	expectEnvelope(t, c.do("PATCH", "/v1/agent/"+id+"/published_version", map[string]any{"version_id": str(got, "agent_id")}),
		http.StatusNotFound, "AGENT_VERSION_NOT_FOUND", "")
	draft := expectJSON(t, c.do("GET", "/v1/agent/"+id, nil), http.StatusOK)
	expectEnvelope(t, c.do("PATCH", "/v1/agent/"+id+"/published_version", map[string]any{"version_id": str(draft, "version_id")}),
		http.StatusBadRequest, "BAD_PARAMETER", "")
	expectEnvelope(t, c.do("PATCH", "/v1/agent/"+id+"/published_version", map[string]any{"version_id": str(v1, "version_id"), "inbound_phone_number_id": "0b8e4f1e-1c5a-4c3e-9f2a-7d6b5a4c3b2a"}),
		http.StatusBadRequest, "BAD_PARAMETER", "Phone number 0b8e4f1e-1c5a-4c3e-9f2a-7d6b5a4c3b2a not found")
	if snap, _ := c.srv.Agent(keyA, id); snap.PublishedVersionID != "" {
		t.Fatalf("a refused publish published %s", snap.PublishedVersionID)
	}

	pub := expectJSON(t, c.do("PATCH", "/v1/agent/"+id+"/published_version", map[string]any{"version_id": str(v2, "version_id"), "inbound_phone_number_id": in}), http.StatusOK)
	want := map[string]any{"agent_id": id, "published_version_id": str(v2, "version_id"), "outbound_phone_number_id": nil, "inbound_phone_number_id": in}
	if !reflect.DeepEqual(pub, want) {
		t.Errorf("publish answered %v, want %v", pub, want)
	}
	phones := c.srv.Phones(keyA)
	if phones[0].InboundAgentID != id || phones[0].OutboundAgentID != "" || phones[1].InboundAgentID != other || phones[1].ID != untouched {
		t.Errorf("phones = %+v", phones)
	}
	got = expectJSON(t, c.do("GET", "/v1/agent/"+id+"?is_published=true", nil), http.StatusOK)
	if got["version_id"] != v2["version_id"] || got["is_published"] != true {
		t.Errorf("published = %v", got)
	}
	list = expectJSON(t, c.do("GET", "/v1/agent/?is_published=true", nil), http.StatusOK)
	if data := list["data"].([]any); len(data) != 1 || obj(data[0])["version_id"] != v2["version_id"] {
		t.Errorf("published agents = %v", list)
	}

	expectEnvelope(t, c.do("DELETE", "/v1/agent/"+id, nil), http.StatusConflict, "PUBLISHED_AGENT_VERSION_DELETION", "Cannot delete agent "+id+" with published versions")

	// version_id null unpublishes.
	pub = expectJSON(t, c.do("PATCH", "/v1/agent/"+id+"/published_version", map[string]any{"version_id": nil}), http.StatusOK)
	if pub["published_version_id"] != nil {
		t.Errorf("unpublish answered %v", pub)
	}
	expectEnvelope(t, c.do("GET", "/v1/agent/"+id+"?is_published=true", nil), http.StatusNotFound, "PUBLISHED_VERSION_NOT_FOUND", "")
	if rec := c.do("DELETE", "/v1/agent/"+id, nil); rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body.String())
	}
	if phones := c.srv.Phones(keyA); phones[0].InboundAgentID != "" {
		t.Errorf("a deleted agent still answers phone %+v", phones[0])
	}
	expectEnvelope(t, c.do("GET", "/v1/agent/"+id, nil), http.StatusNotFound, "AGENT_NOT_FOUND", "")

	// Version numbers never repeat within an agent.
	c.srv.LaunchVersion(keyA, other, "")
	vid, _ := c.srv.LaunchAndPublish(keyA, other, "x")
	snap, _ := c.srv.Agent(keyA, other)
	if len(snap.Versions) != 2 || snap.Versions[1].Number != 2 || snap.PublishedVersionID != vid || snap.Versions[1].Name != "x" {
		t.Errorf("snapshot = %+v", snap)
	}
}

func TestDeletingAFlowRemovesItFromEveryAgentVersion(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"api", "dashboard"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			c := newClient(t)
			f1, f2 := c.liveFlow("one"), c.liveFlow("two")
			id := c.srv.AddAgent(keyA, AgentSeed{Name: "A", FlowIDs: []string{f1, f2}})
			c.srv.AddPhone(keyA, PhoneSeed{Number: "+1"})
			vid, _ := c.srv.LaunchAndPublish(keyA, id, "v1")
			if how == "api" {
				if rec := c.do("DELETE", "/v1/workflow/"+f1, nil); rec.Code != http.StatusNoContent {
					t.Fatal(rec.Code)
				}
			} else {
				c.srv.DeleteFlow(keyA, f1)
			}
			snap, _ := c.srv.Agent(keyA, id)
			if !slices.Equal(snap.Draft.FlowIDs, []string{f2}) || !slices.Equal(snap.Versions[0].FlowIDs, []string{f2}) {
				t.Errorf("after deleting %s: %+v", f1, snap)
			}
			got := expectJSON(t, c.do("GET", "/v1/agent/"+id+"?version_id="+vid, nil), http.StatusOK)
			if ids := flowIDsOf(t, got); !slices.Equal(ids, []string{f2}) {
				t.Errorf("published version's flows = %v", ids)
			}
		})
	}
}

func TestAgentCreateAndList(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	voice := "5c7e3d2a-9b1f-4e6d-8a0c-1f2e3d4c5b6a"
	expectDetail(t, c.do("POST", "/v1/agent/", map[string]any{"name": "x"}),
		`[{"type":"missing","loc":["body","voice_id"],"msg":"Field required","input":{"name":"x"}},{"type":"missing","loc":["body","language"],"msg":"Field required","input":{"name":"x"}}]`)
	created := expectJSON(t, c.do("POST", "/v1/agent/?is_draft=true", map[string]any{"voice_id": voice, "language": "en", "name": "Draft only"}), http.StatusCreated)
	if obj(created["voice"])["id"] != voice || created["language"] != "en" || created["is_draft"] != true {
		t.Errorf("created = %v", created)
	}
	withVersion := expectJSON(t, c.do("POST", "/v1/agent/", map[string]any{"voice_id": voice, "language": "es", "version_name": "v1",
		"call_tools": []any{map[string]any{"type": "hang_up", "name": "bye"}}}), http.StatusCreated)
	snap, _ := c.srv.Agent(keyA, str(withVersion, "agent_id"))
	if len(snap.Versions) != 1 || snap.Versions[0].Name != "v1" {
		t.Errorf("create without is_draft launched %+v", snap.Versions)
	}
	if tools := withVersion["call_tools"].([]any); len(tools) != 1 || obj(tools[0])["type"] != "hang_up" {
		t.Errorf("call_tools = %v", withVersion["call_tools"])
	}
	for i := range 3 {
		c.srv.AddAgent(keyA, AgentSeed{Name: "seed " + string(rune('a'+i))})
	}
	page := expectJSON(t, c.do("GET", "/v1/agent/?limit=2", nil), http.StatusOK)
	data := page["data"].([]any)
	if len(data) != 2 || page["has_more"] != true || obj(data[0])["name"] != "seed c" || page["current_page"] != float64(1) || page["total_pages"] != float64(3) {
		t.Fatalf("first page = %v", page)
	}
	next := expectJSON(t, c.do("GET", "/v1/agent/?limit=10&after="+str(page, "last_id"), nil), http.StatusOK)
	if data := next["data"].([]any); len(data) != 3 || next["has_more"] != false || obj(data[2])["name"] != "Draft only" || next["current_page"] != nil {
		t.Fatalf("after page = %v", next)
	}
	asc := expectJSON(t, c.do("GET", "/v1/agent/?order=asc&limit=1", nil), http.StatusOK)
	if obj(asc["data"].([]any)[0])["name"] != "Draft only" {
		t.Errorf("asc = %v", asc)
	}
	c.srv.AddAgent(keyA, AgentSeed{Name: "path", Mode: "path"})
	paths := expectJSON(t, c.do("GET", "/v1/agent/?mode=path", nil), http.StatusOK)
	if data := paths["data"].([]any); len(data) != 1 || obj(data[0])["mode"] != "path" {
		t.Errorf("mode=path = %v", paths)
	}
	expectEnvelope(t, c.do("GET", "/v1/agent/?after="+voice+"&before="+voice, nil), http.StatusUnprocessableEntity, "INVALID_PAGINATION_PARAMETERS", "")
	if rec := c.do("GET", "/v1/agent/?limit=101", nil); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("limit 101: %d", rec.Code)
	}
	if rec := c.do("GET", "/v1/agent", nil); rec.Code != http.StatusTemporaryRedirect {
		t.Errorf("GET /v1/agent: %d, want the slash redirect", rec.Code)
	}
}

func TestListPhones(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	a := c.srv.AddAgent(keyA, AgentSeed{Name: "A"})
	p1 := c.srv.AddPhone(keyA, PhoneSeed{Number: "+1", Nickname: "main", InboundAgentID: a})
	p2 := c.srv.AddPhone(keyA, PhoneSeed{Number: "+2", OutboundAgentID: a})
	c.srv.AddPhone(keyA, PhoneSeed{Number: "+3"})
	all := expectJSON(t, c.do("GET", "/v1/phone/", nil), http.StatusOK)
	if data := all["data"].([]any); len(data) != 3 || obj(data[0])["number"] != "+3" {
		t.Errorf("phones = %v", all)
	}
	in := expectJSON(t, c.do("GET", "/v1/phone/?inbound_agent_id="+a, nil), http.StatusOK)
	if data := in["data"].([]any); len(data) != 1 || obj(data[0])["id"] != p1 || obj(data[0])["nickname"] != "main" || obj(data[0])["inbound_agent_id"] != a {
		t.Errorf("inbound = %v", in)
	}
	out := expectJSON(t, c.do("GET", "/v1/phone/?outbound_agent_id="+a, nil), http.StatusOK)
	if data := out["data"].([]any); len(data) != 1 || obj(data[0])["id"] != p2 || obj(data[0])["inbound_agent_id"] != nil {
		t.Errorf("outbound = %v", out)
	}
	if got := expectJSON(t, c.as(keyB).do("GET", "/v1/phone/", nil), http.StatusOK); len(got["data"].([]any)) != 0 {
		t.Errorf("another key sees %v", got)
	}
}

func TestAgentWritesUnderLostAnswers(t *testing.T) {
	t.Parallel()
	c := newClient(t, WithFaults(Faults{Seed: 1, LostAnswerRate: 1}))
	id := c.srv.AddAgent(keyA, AgentSeed{Name: "A"})
	ph := c.srv.AddPhone(keyA, PhoneSeed{Number: "+1"})
	srv := c.srv
	// In-process recorders cannot be hijacked: the lost answer shows as
	// the handler's abort, and the write has been applied.
	lost := func(method, path string, body any) {
		t.Helper()
		defer func() {
			if err, _ := recover().(error); !errors.Is(err, http.ErrAbortHandler) {
				t.Fatalf("%s %s: want a dropped answer, got %v", method, path, err)
			}
		}()
		c.do(method, path, body)
	}
	lost("POST", "/v1/agent/"+id+"/version", map[string]any{"version_name": "v1"})
	snap, _ := srv.Agent(keyA, id)
	if len(snap.Versions) != 1 || snap.Versions[0].Name != "v1" {
		t.Fatalf("the lost launch was not applied: %+v", snap)
	}
	lost("PATCH", "/v1/agent/"+id+"/published_version", map[string]any{"version_id": snap.Versions[0].ID, "inbound_phone_number_id": ph})
	snap, _ = srv.Agent(keyA, id)
	if snap.PublishedVersionID != snap.Versions[0].ID || srv.Phones(keyA)[0].InboundAgentID != id {
		t.Fatalf("the lost publish was not applied: %+v", snap)
	}
	recs := srv.Requests()
	if len(recs) != 2 || recs[0].Fault != FaultLost || recs[0].LostStatus != http.StatusCreated || recs[1].LostStatus != http.StatusOK {
		t.Errorf("records = %+v", recs)
	}
}

func TestAgentDashboardHelpers(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	id := c.srv.AddAgent(keyA, AgentSeed{Name: "A"})
	if !c.srv.EditAgentDraft(keyA, id, func(f map[string]any) { f["prompt"] = "edited"; f["volume"] = 10 }) {
		t.Fatal("EditAgentDraft: false")
	}
	got := expectJSON(t, c.do("GET", "/v1/agent/"+id, nil), http.StatusOK)
	if got["prompt"] != "edited" || got["volume"] != float64(10) {
		t.Errorf("after the edit: %v", got)
	}
	if !c.srv.AssignAgentFlows(keyA, id, []string{"gone"}) {
		t.Fatal("AssignAgentFlows: false")
	}
	got = expectJSON(t, c.do("GET", "/v1/agent/"+id, nil), http.StatusOK)
	if info := obj(got["flows"].([]any)[0]); info["id"] != "gone" || info["name"] != nil || info["status"] != nil {
		t.Errorf("an unknown flow assigned in the dashboard shows as %v", info)
	}
	missing := "0b8e4f1e-1c5a-4c3e-9f2a-7d6b5a4c3b2a"
	if c.srv.EditAgentDraft(keyA, missing, nil) || c.srv.AssignAgentFlows(keyA, missing, nil) || c.srv.PublishVersion(keyA, id, missing) {
		t.Error("a helper reported success for a missing agent or version")
	}
	if _, ok := c.srv.LaunchVersion(keyA, missing, ""); ok {
		t.Error("LaunchVersion of a missing agent")
	}
}
