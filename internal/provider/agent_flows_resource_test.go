package provider

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

const agentFlowsAddr = "diga_agent_flows.support"

// liveAgent is an agent as a Diga user has it before Terraform: published
// as v1 with no flows, answering on one number and calling from another.
type liveAgent struct {
	id, v1, inbound, outbound string
}

func (tg *accTarget) liveAgent(t *testing.T, name string) liveAgent {
	t.Helper()
	tg.emulatorOnly(t)
	a := liveAgent{id: tg.emu.AddAgent(tg.apiKey, emulator.AgentSeed{Name: name, Prompt: "You are the support line."})}
	var ok bool
	if a.v1, ok = tg.emu.LaunchAndPublish(tg.apiKey, a.id, "first"); !ok {
		t.Fatal("could not publish the agent")
	}
	a.inbound = tg.emu.AddPhone(tg.apiKey, emulator.PhoneSeed{Number: "+34910000001", InboundAgentID: a.id})
	a.outbound = tg.emu.AddPhone(tg.apiKey, emulator.PhoneSeed{Number: "+34910000002", OutboundAgentID: a.id})
	return a
}

// functionCallDefinition is a during-call tool: a Function Call trigger
// answered by Return Response.
func functionCallDefinition(function string) string {
	return fmt.Sprintf(`jsonencode({
    name = "trigger"
    type = "PIECE_TRIGGER"
    settings = {
      pieceName   = "@diga/piece-diga"
      triggerName = "function_call"
      input = {
        function_name = %q
        description   = "Look up an order when the caller asks where it is."
        parameters = [{
          name        = "order_number"
          type        = "text"
          required    = true
          description = "The order number the caller reads out."
        }]
      }
    }
    nextAction = {
      name = "answer"
      type = "PIECE"
      settings = {
        pieceName  = "@diga/piece-diga"
        actionName = "return_response"
        input      = { response = { status = "shipped" } }
      }
    }
  })`, function)
}

// preCallWithoutReturn is a pre-call flow that never returns its data to
// the agent: it publishes fine and fails on every call.
const preCallWithoutReturn = `jsonencode({
    name = "trigger"
    type = "PIECE_TRIGGER"
    settings = {
      pieceName   = "@diga/piece-diga"
      triggerName = "pre_call"
      input       = {}
    }
    nextAction = {
      name = "log"
      type = "CODE"
      settings = {
        input      = {}
        sourceCode = { code = "export const code = async () => true" }
      }
    }
  })`

// agentConfig declares the two flows of the guide (a post-call summary and
// a during-call tool) and, when assign is not "", a diga_agent_flows for
// the agent with flow_ids = assign.
func agentConfig(tg *accTarget, t *testing.T, agentID, assign, extra string) string {
	return agentConfigLookup(tg, agentID, assign, extra, true)
}

// agentConfigLookup is agentConfig with the tool's enabled set.
func agentConfigLookup(tg *accTarget, agentID, assign, extra string, lookupEnabled bool) string {
	cfg := tg.providerBlock() + fmt.Sprintf(`
resource "diga_flow" "summary" {
  name       = "summary"
  definition = %s
  enabled    = true
}

resource "diga_flow" "lookup" {
  name       = "lookup"
  definition = %s
  enabled    = %t
}
`, postCallDefinition("call finished"), functionCallDefinition("lookup_order"), lookupEnabled)
	if assign != "" {
		cfg += fmt.Sprintf(`
resource "diga_agent_flows" "support" {
  agent_id = %q
  flow_ids = %s
%s
}
`, agentID, assign, extra)
	}
	return cfg
}

// published returns the emulator's published version of the agent.
func (tg *accTarget) published(agentID string) (emulator.AgentVersion, int, error) {
	a, ok := tg.emu.Agent(tg.apiKey, agentID)
	if !ok {
		return emulator.AgentVersion{}, 0, fmt.Errorf("agent %s is gone", agentID)
	}
	for _, v := range a.Versions {
		if v.ID == a.PublishedVersionID {
			return v, len(a.Versions), nil
		}
	}
	return emulator.AgentVersion{}, len(a.Versions), fmt.Errorf("agent %s has no published version", agentID)
}

// stateIDs reads the ids of the named resources from state.
func stateIDs(s *terraform.State, addrs ...string) ([]string, error) {
	var ids []string
	for _, addr := range addrs {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return nil, fmt.Errorf("%s not in state", addr)
		}
		ids = append(ids, rs.Primary.ID)
	}
	slices.Sort(ids)
	return ids, nil
}

// checkLive checks that the agent's published version runs exactly the
// flows of addrs, is version number want of wantVersions launched, holds
// the prompt it had before, and that the agent still answers and calls
// from its own numbers.
func (tg *accTarget) checkLive(a liveAgent, wantNumber int64, wantVersions int, addrs ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		ids, err := stateIDs(s, addrs...)
		if err != nil {
			return err
		}
		pub, n, err := tg.published(a.id)
		if err != nil {
			return err
		}
		got := slices.Sorted(slices.Values(pub.FlowIDs))
		if !slices.Equal(got, ids) && (len(got) != 0 || len(ids) != 0) {
			return fmt.Errorf("published version v%d runs %v, want %v", pub.Number, got, ids)
		}
		if pub.Number != wantNumber || n != wantVersions {
			return fmt.Errorf("published v%d of %d versions, want v%d of %d", pub.Number, n, wantNumber, wantVersions)
		}
		if p := pub.Fields["prompt"]; p != "You are the support line." {
			return fmt.Errorf("the release changed the prompt to %v", p)
		}
		for _, ph := range tg.emu.Phones(tg.apiKey) {
			switch ph.ID {
			case a.inbound:
				if ph.InboundAgentID != a.id {
					return fmt.Errorf("number %s no longer answers for the agent: %+v", ph.Number, ph)
				}
			case a.outbound:
				if ph.OutboundAgentID != a.id {
					return fmt.Errorf("number %s no longer calls for the agent: %+v", ph.Number, ph)
				}
			}
		}
		return nil
	}
}

// From a flow to a call: a post-call flow and a during-call tool, applied
// once, leave the agent's published version running both on the same
// numbers with nothing else changed; a second plan is empty; a flow added
// in the dashboard shows in plan and is removed; removing a flow releases
// again; destroy releases the agent without its flows.
func TestAccAgentFlows_fromFlowToCall(t *testing.T) {
	tg := newAccTarget(t)
	a := tg.liveAgent(t, "Support")
	both := "[diga_flow.summary.id, diga_flow.lookup.id]"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			ag, _ := tg.emu.Agent(tg.apiKey, a.id)
			if len(ag.Draft.FlowIDs) != 0 {
				return fmt.Errorf("destroy left flows on the draft: %v", ag.Draft.FlowIDs)
			}
			pub, n, err := tg.published(a.id)
			if err != nil {
				return err
			}
			if len(pub.FlowIDs) != 0 || n != 4 {
				return fmt.Errorf("after destroy the published v%d of %d runs %v, want v4 without flows", pub.Number, n, pub.FlowIDs)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: agentConfig(tg, t, a.id, both, "  release = true"),
				Check:  tg.checkLive(a, 2, 2, "diga_flow.summary", "diga_flow.lookup"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(agentFlowsAddr, tfjsonpath.New("published_version_number"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue(agentFlowsAddr, tfjsonpath.New("agent_name"), knownvalue.StringExact("Support")),
					statecheck.ExpectKnownValue(agentFlowsAddr, tfjsonpath.New("flows"), knownvalue.MapSizeExact(2)),
				},
			},
			{
				Config: agentConfig(tg, t, a.id, both, "  release = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// A flow assigned in the dashboard, on the draft only.
				PreConfig: func() {
					extra := tg.emu.CreateFlow(tg.apiKey, "dashboard flow")
					ag, _ := tg.emu.Agent(tg.apiKey, a.id)
					tg.emu.AssignAgentFlows(tg.apiKey, a.id, append(ag.Draft.FlowIDs, extra))
				},
				Config: agentConfig(tg, t, a.id, both, "  release = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(agentFlowsAddr, plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeTestCheckFunc(
					tg.checkLive(a, 2, 2, "diga_flow.summary", "diga_flow.lookup"), // nothing to release
					func(s *terraform.State) error {
						ag, _ := tg.emu.Agent(tg.apiKey, a.id)
						if len(ag.Draft.FlowIDs) != 2 {
							return fmt.Errorf("the dashboard's flow is still on the draft: %v", ag.Draft.FlowIDs)
						}
						return nil
					}),
			},
			{
				Config: agentConfig(tg, t, a.id, "[diga_flow.summary.id]", "  release = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(agentFlowsAddr, plancheck.ResourceActionUpdate)},
				},
				Check: tg.checkLive(a, 3, 3, "diga_flow.summary"),
			},
			{
				ResourceName:                         agentFlowsAddr,
				ImportState:                          true,
				ImportStateId:                        a.id,
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "agent_id",
				ImportStateVerifyIgnore:              []string{"release", "release_draft_changes", "timeouts"},
			},
		},
	})
}

// Without release only the draft changes: callers keep the published
// version, and no version is launched.
func TestAccAgentFlows_draftOnly(t *testing.T) {
	tg := newAccTarget(t)
	a := tg.liveAgent(t, "Sales")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: agentConfig(tg, t, a.id, "[diga_flow.summary.id]", ""),
			Check: resource.ComposeTestCheckFunc(
				tg.checkLive(a, 1, 1),
				func(s *terraform.State) error {
					ids, err := stateIDs(s, "diga_flow.summary")
					if err != nil {
						return err
					}
					ag, _ := tg.emu.Agent(tg.apiKey, a.id)
					if !slices.Equal(ag.Draft.FlowIDs, ids) {
						return fmt.Errorf("draft holds %v, want %v", ag.Draft.FlowIDs, ids)
					}
					return nil
				}),
		}},
	})
}

// A prompt edited in the dashboard and not published blocks a release at
// plan, naming the field, until the user opts into releasing it too.
func TestAccAgentFlows_draftEditBlocksRelease(t *testing.T) {
	tg := newAccTarget(t)
	a := tg.liveAgent(t, "Support")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: agentConfig(tg, t, a.id, "[diga_flow.summary.id]", "  release = true"),
				Check:  tg.checkLive(a, 2, 2, "diga_flow.summary"),
			},
			{
				PreConfig: func() {
					tg.emu.EditAgentDraft(tg.apiKey, a.id, func(f map[string]any) { f["prompt"] = "Unreviewed prompt." })
				},
				Config:      agentConfig(tg, t, a.id, "[diga_flow.summary.id, diga_flow.lookup.id]", "  release = true"),
				ExpectError: regexp.MustCompile(`(?s)differs\s+from\s+its\s+published.*version\s+v2\s+in:\s+prompt`),
			},
			{
				Config: agentConfig(tg, t, a.id, "[diga_flow.summary.id, diga_flow.lookup.id]",
					"  release = true\n  release_draft_changes = true"),
				Check: func(s *terraform.State) error {
					pub, n, err := tg.published(a.id)
					if err != nil {
						return err
					}
					if pub.Number != 3 || n != 3 || pub.Fields["prompt"] != "Unreviewed prompt." || len(pub.FlowIDs) != 2 {
						return fmt.Errorf("published v%d of %d with prompt %v and flows %v", pub.Number, n, pub.Fields["prompt"], pub.FlowIDs)
					}
					return nil
				},
			},
		},
	})
}

// A dashboard edit that lands after the plan and before the apply's first
// write is caught on the draft the write answers with: the flows are
// assigned on the draft, nothing is launched or published.
func TestAccAgentFlows_draftEditDuringApply(t *testing.T) {
	tg := newAccTarget(t)
	a := tg.liveAgent(t, "Support")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: agentConfig(tg, t, a.id, "[diga_flow.summary.id]", "  release = true"),
				Check: func(*terraform.State) error {
					tg.onNextWrite(func() {
						tg.emu.EditAgentDraft(tg.apiKey, a.id, func(f map[string]any) { f["greeting"] = "Hola!" })
					})
					return nil
				},
			},
			{
				Config:      agentConfig(tg, t, a.id, "[diga_flow.summary.id, diga_flow.lookup.id]", "  release = true"),
				ExpectError: regexp.MustCompile(`(?s)while\s+the\s+apply\s+ran.*nothing\s+was\s+released`),
				Check:       tg.checkLive(a, 2, 2, "diga_flow.summary"),
			},
			{
				// Nothing went live: the published version is still v2 of 2.
				Config:      agentConfig(tg, t, a.id, "[diga_flow.summary.id, diga_flow.lookup.id]", "  release = true"),
				ExpectError: regexp.MustCompile(`(?s)differs\s+from\s+its\s+published.*greeting`),
				Check:       tg.checkLive(a, 2, 2, "diga_flow.summary"),
			},
			{
				// The user decides to release the greeting too.
				Config: agentConfig(tg, t, a.id, "[diga_flow.summary.id, diga_flow.lookup.id]",
					"  release = true\n  release_draft_changes = true"),
				Check: func(s *terraform.State) error {
					pub, n, err := tg.published(a.id)
					if err != nil {
						return err
					}
					if pub.Number != 3 || n != 3 || pub.Fields["greeting"] != "Hola!" || len(pub.FlowIDs) != 2 {
						return fmt.Errorf("published v%d of %d with greeting %v and flows %v", pub.Number, n, pub.Fields["greeting"], pub.FlowIDs)
					}
					return nil
				},
			},
		},
	})
}

// The checks before anything is live: each stops the plan naming the flow
// or the agent, and nothing is sent to the agent.
func TestAccAgentFlows_checksAtPlan(t *testing.T) {
	tg := newAccTarget(t)
	a := tg.liveAgent(t, "Support")
	pathAgent := tg.emu.AddAgent(tg.apiKey, emulator.AgentSeed{Name: "Paths", Mode: "path"})
	disabled := tg.emu.CreateFlow(tg.apiKey, "made in the dashboard")
	preCall := tg.providerBlock() + `
resource "diga_flow" "pre" {
  name       = "enrich caller"
  definition = ` + preCallWithoutReturn + `
  enabled    = true
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: agentConfig(tg, t, a.id, "", "") + strings.TrimPrefix(preCall, tg.providerBlock())},
			{
				Config:      agentConfig(tg, t, a.id, "[diga_flow.pre.id]", "") + strings.TrimPrefix(preCall, tg.providerBlock()),
				ExpectError: regexp.MustCompile(`(?s)Flow\s+cannot\s+be\s+assigned.*Return\s+Call\s+Data`),
			},
			{
				Config:      agentConfig(tg, t, a.id, fmt.Sprintf("[%q]", disabled), "") + strings.TrimPrefix(preCall, tg.providerBlock()),
				ExpectError: regexp.MustCompile(`(?s)Flow\s+cannot\s+be\s+assigned.*not\s+enabled`),
			},
			{
				Config:      agentConfig(tg, t, a.id, `["no-such-flow"]`, "") + strings.TrimPrefix(preCall, tg.providerBlock()),
				ExpectError: regexp.MustCompile(`(?s)no\s+flow\s+with\s+this\s+id\s+exists`),
			},
			{
				Config:      agentConfig(tg, t, pathAgent, "[diga_flow.summary.id]", "") + strings.TrimPrefix(preCall, tg.providerBlock()),
				ExpectError: regexp.MustCompile(`(?s)conversational\s+path.*path\s+editor`),
			},
			{
				Config: agentConfig(tg, t, a.id, "[diga_flow.summary.id]", "") + strings.TrimPrefix(preCall, tg.providerBlock()) +
					fmt.Sprintf(`
resource "diga_agent_flows" "again" {
  agent_id = %q
  flow_ids = [diga_flow.lookup.id]
}
`, a.id),
				ExpectError: regexp.MustCompile(`Agent managed twice`),
			},
			{
				// A flow of this configuration is checked from its plan:
				// enabled = false in the same apply is refused before it
				// is assigned.
				Config: agentConfigLookup(tg, a.id, "[diga_flow.lookup.id]", "", false) +
					strings.TrimPrefix(preCall, tg.providerBlock()),
				ExpectError: regexp.MustCompile(`(?s)plans\s+enabled\s+=\s+false`),
			},
		},
		CheckDestroy: func(*terraform.State) error {
			ag, _ := tg.emu.Agent(tg.apiKey, a.id)
			if len(ag.Draft.FlowIDs) != 0 || len(ag.Versions) != 1 {
				return fmt.Errorf("a refused plan reached the agent: draft %v, %d versions", ag.Draft.FlowIDs, len(ag.Versions))
			}
			return nil
		},
	})
}

// A version published in the dashboard after Terraform's release is drift:
// the refresh records it, and when it does not run flow_ids the plan
// releases flow_ids again. The newest version still holds exactly the
// draft, so it is published again rather than a copy of it launched.
func TestAccAgentFlows_dashboardPublishIsDrift(t *testing.T) {
	tg := newAccTarget(t)
	a := tg.liveAgent(t, "Support")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: agentConfig(tg, t, a.id, "[diga_flow.summary.id]", "  release = true"),
				Check:  tg.checkLive(a, 2, 2, "diga_flow.summary"),
			},
			{
				// The dashboard publishes v1 again: no flows live.
				PreConfig: func() {
					if !tg.emu.PublishVersion(tg.apiKey, a.id, a.v1) {
						t.Fatal("could not publish v1")
					}
				},
				Config: agentConfig(tg, t, a.id, "[diga_flow.summary.id]", "  release = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(agentFlowsAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(agentFlowsAddr, tfjsonpath.New("published_version_id")),
					},
				},
				Check: tg.checkLive(a, 2, 2, "diga_flow.summary"),
			},
			{
				// Without release, a dashboard publish is recorded, and
				// nothing is planned.
				PreConfig: func() {
					if !tg.emu.PublishVersion(tg.apiKey, a.id, a.v1) {
						t.Fatal("could not publish v1")
					}
				},
				Config: agentConfig(tg, t, a.id, "[diga_flow.summary.id]", ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(agentFlowsAddr, tfjsonpath.New("published_version_number"), knownvalue.Int64Exact(1)),
				},
			},
		},
	})
}
