package contract

import (
	"testing"

	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// TestEmulatorAgentOperationsHonourContract drives the agent and phone
// operations — a flow assignment, a release, the lists, the documented
// error answers — through the Middleware, in both agent flow modes.
func TestEmulatorAgentOperationsHonourContract(t *testing.T) {
	t.Parallel()
	for _, mode := range []emulator.AgentFlowMode{emulator.AgentFlowsAccepted, emulator.AgentFlowsChecked} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			emu := emulator.New(emulator.WithAPIKeys(emuKey), emulator.WithAgentFlowMode(mode))
			h := newHarness(t, emu, emuKey)
			rec := h.do("POST", "/v1/workflow/", map[string]any{"name": "Post-call"})
			h.expect("create flow", rec, 201)
			flowID, _ := decodeMap(t, rec)["id"].(string)
			h.expect("import", h.do("POST", "/v1/workflow/"+flowID+"/import", importBody("Post-call")), 200)
			h.expect("publish", h.do("POST", "/v1/workflow/"+flowID+"/publish", nil), 200)
			h.expect("enable", h.do("PATCH", "/v1/workflow/"+flowID+"/status", map[string]any{"status": "ENABLED"}), 200)
			rec = h.do("POST", "/v1/workflow/", map[string]any{"name": "Not published"})
			h.expect("create another flow", rec, 201)
			draftOnly, _ := decodeMap(t, rec)["id"].(string)

			agentID := emu.AddAgent(emuKey, emulator.AgentSeed{Name: "Reception", Prompt: "Be kind"})
			pathAgent := emu.AddAgent(emuKey, emulator.AgentSeed{Name: "Path", Mode: "path"})
			phone := emu.AddPhone(emuKey, emulator.PhoneSeed{Number: "+34910000000", Nickname: "Main"})
			emu.AddPhone(emuKey, emulator.PhoneSeed{Number: "+34910000001", OutboundAgentID: pathAgent})

			h.expect("get the draft", h.do("GET", "/v1/agent/"+agentID, nil), 200)
			h.expect("assign", h.do("PATCH", "/v1/agent/"+agentID, map[string]any{"flow_ids": []string{flowID}}), 200)
			h.expect("edit fields", h.do("PATCH", "/v1/agent/"+agentID, map[string]any{
				"prompt": "Be brief", "volume": 60, "voice_id": "5c7e3d2a-9b1f-4e6d-8a0c-1f2e3d4c5b6a", "background_audio": "office",
				"integrations":       []any{map[string]any{"integration_id": "1c7e3d2a-9b1f-4e6d-8a0c-1f2e3d4c5b6a", "tool_ids": []string{"2c7e3d2a-9b1f-4e6d-8a0c-1f2e3d4c5b6a"}}},
				"call_tools":         []any{map[string]any{"type": "transfer_call", "name": "desk", "target_number": "+34910000009"}, map[string]any{"type": "hang_up", "name": "bye"}},
				"knowledge_base_ids": nil, "dynamic_variables": map[string]any{"company": "Acme"},
			}), 200)
			rec = h.do("POST", "/v1/agent/"+agentID+"/version", map[string]any{"version_name": "v1"})
			h.expect("launch", rec, 201)
			versionID, _ := decodeMap(t, rec)["version_id"].(string)
			h.expect("launch without a name", h.do("POST", "/v1/agent/"+agentID+"/version", map[string]any{}), 201)
			h.expect("get the version", h.do("GET", "/v1/agent/"+agentID+"?version_id="+versionID, nil), 200)
			h.expect("list versions", h.do("GET", "/v1/agent/"+agentID+"/version?limit=1&order=asc", nil), 200)
			h.expect("publish", h.do("PATCH", "/v1/agent/"+agentID+"/published_version", map[string]any{
				"version_id": versionID, "inbound_phone_number_id": phone,
			}), 200)
			h.expect("get the published version", h.do("GET", "/v1/agent/"+agentID+"?is_published=true", nil), 200)
			for _, q := range []string{"", "?limit=1", "?is_published=true", "?mode=path", "?order=asc&page=2&limit=1", "?after=" + agentID} {
				h.expect("list agents "+q, h.do("GET", "/v1/agent/"+q, nil), 200)
			}
			for _, q := range []string{"", "?inbound_agent_id=" + agentID, "?outbound_agent_id=" + pathAgent, "?status=assigned&limit=1"} {
				h.expect("list phones "+q, h.do("GET", "/v1/phone/"+q, nil), 200)
			}
			h.expect("create", h.do("POST", "/v1/agent/", map[string]any{"voice_id": "5c7e3d2a-9b1f-4e6d-8a0c-1f2e3d4c5b6a", "language": "en", "name": "New"}), 201)

			// Documented error answers.
			h.expect("delete a published agent", h.do("DELETE", "/v1/agent/"+agentID, nil), 409)
			h.expect("flow_ids on a path agent", h.do("PATCH", "/v1/agent/"+pathAgent, map[string]any{"flow_ids": []string{flowID}}), 400)
			h.expect("unknown flow", h.do("PATCH", "/v1/agent/"+agentID, map[string]any{"flow_ids": []string{"nope"}}), 422)
			status := 200
			if mode == emulator.AgentFlowsChecked {
				status = 400
			}
			h.expect("an unpublished flow", h.do("PATCH", "/v1/agent/"+agentID, map[string]any{"flow_ids": []string{draftOnly}}), status)
			h.expect("no published version", h.do("GET", "/v1/agent/"+pathAgent+"?is_published=true", nil), 404)
			h.expect("version and is_published", h.do("GET", "/v1/agent/"+agentID+"?is_published=true&version_id="+versionID, nil), 400)
			h.expect("another agent's version", h.do("PATCH", "/v1/agent/"+pathAgent+"/published_version", map[string]any{"version_id": versionID}), 404)
			h.expect("unknown agent", h.do("GET", "/v1/agent/0b8e4f1e-1c5a-4c3e-9f2a-7d6b5a4c3b2a", nil), 404)
			h.expect("both cursors", h.do("GET", "/v1/agent/?after="+agentID+"&before="+agentID, nil), 422)
			h.expect("unpublish", h.do("PATCH", "/v1/agent/"+agentID+"/published_version", map[string]any{"version_id": nil}), 200)
			h.expect("delete", h.do("DELETE", "/v1/agent/"+agentID, nil), 204)
			h.expect("list without the slash redirects", h.do("GET", "/v1/agent", nil), 307)
			h.expect("phones without the slash redirect", h.do("GET", "/v1/phone", nil), 307)
		})
	}
}
