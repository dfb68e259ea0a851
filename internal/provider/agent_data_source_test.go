package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

func TestAgentNamed(t *testing.T) {
	t.Parallel()
	agents := []client.Agent{
		{ID: "a1", Name: "Support"},
		{ID: "a2", Name: "Sales"},
		{ID: "a3", Name: "Sales"},
		{ID: "a4", Name: "support (night)"},
	}
	if a, problem := agentNamed(agents, "Support"); problem != "" || a.ID != "a1" {
		t.Errorf("Support: %+v, %q; want a1", a, problem)
	}
	_, problem := agentNamed(agents, "Sales")
	if !strings.Contains(problem, "2 agents are named \"Sales\": a2, a3") {
		t.Errorf("Sales: %q, want both ids named", problem)
	}
	_, problem = agentNamed(agents, "support")
	for _, want := range []string{`(4 searched) is named "support"`, `"Support" (a1)`, `"support (night)" (a4)`, "case and spaces"} {
		if !strings.Contains(problem, want) {
			t.Errorf("support: %q lacks %q", problem, want)
		}
	}
	_, problem = agentNamed(nil, "Reception")
	if !strings.Contains(problem, "(0 searched)") || strings.Contains(problem, "similar") {
		t.Errorf("Reception in an empty project: %q", problem)
	}
}

// seedDashboardAgent makes, as the Diga dashboard would, an agent whose published
// version v1 runs published, whose draft holds draft, and which answers
// on one number and calls from none.
func seedDashboardAgent(t *testing.T, tg *accTarget, name string, published, draft []string) (agentID, phoneID string) {
	t.Helper()
	agentID = tg.emu.AddAgent(tg.apiKey, emulator.AgentSeed{Name: name, FlowIDs: published})
	phoneID = tg.emu.AddPhone(tg.apiKey, emulator.PhoneSeed{Number: "+34910000001", Nickname: "Front desk", InboundAgentID: agentID})
	if _, ok := tg.emu.LaunchAndPublish(tg.apiKey, agentID, "v1 from the dashboard"); !ok {
		t.Fatal("publishing the seeded agent failed")
	}
	if !tg.emu.AssignAgentFlows(tg.apiKey, agentID, draft) {
		t.Fatal("assigning the draft's flows failed")
	}
	return agentID, phoneID
}

func TestAccAgentDataSource_byIDAndByName(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	summary := tg.emu.CreateFlow(tg.apiKey, "Post-call summary")
	tg.emu.SetStatus(tg.apiKey, summary, "ENABLED")
	booking := tg.emu.CreateFlow(tg.apiKey, "Book appointment")
	agentID, phoneID := seedDashboardAgent(t, tg, "Reception", []string{summary}, []string{summary, booking})
	tg.emu.AddAgent(tg.apiKey, emulator.AgentSeed{Name: "Reception (old)"})

	byID := func(attr string) tfjsonpath.Path { return tfjsonpath.New(attr) }
	checks := func(addr string) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.ExpectKnownValue(addr, byID("id"), knownvalue.StringExact(agentID)),
			statecheck.ExpectKnownValue(addr, byID("name"), knownvalue.StringExact("Reception")),
			statecheck.ExpectKnownValue(addr, byID("mode"), knownvalue.StringExact("free")),
			statecheck.ExpectKnownValue(addr, byID("draft_version_id"), knownvalue.NotNull()),
			statecheck.ExpectKnownValue(addr, byID("draft_flows"), knownvalue.ListExact([]knownvalue.Check{
				knownvalue.ObjectExact(map[string]knownvalue.Check{
					"id": knownvalue.StringExact(summary), "name": knownvalue.StringExact("Post-call summary"),
					"status": knownvalue.StringExact("ENABLED"),
				}),
				knownvalue.ObjectExact(map[string]knownvalue.Check{
					"id": knownvalue.StringExact(booking), "name": knownvalue.StringExact("Book appointment"),
					"status": knownvalue.StringExact("DISABLED"),
				}),
			})),
			statecheck.ExpectKnownValue(addr, byID("published_version_number"), knownvalue.Int64Exact(1)),
			statecheck.ExpectKnownValue(addr, byID("published_version_id"), knownvalue.NotNull()),
			statecheck.ExpectKnownValue(addr, byID("published_flows"), knownvalue.ListExact([]knownvalue.Check{
				knownvalue.ObjectPartial(map[string]knownvalue.Check{"id": knownvalue.StringExact(summary)}),
			})),
			statecheck.ExpectKnownValue(addr, byID("inbound_phone_numbers"), knownvalue.ListExact([]knownvalue.Check{
				knownvalue.ObjectExact(map[string]knownvalue.Check{
					"id": knownvalue.StringExact(phoneID), "number": knownvalue.StringExact("+34910000001"),
					"nickname": knownvalue.StringExact("Front desk"),
				}),
			})),
			statecheck.ExpectKnownValue(addr, byID("outbound_phone_numbers"), knownvalue.ListSizeExact(0)),
		}
	}
	cfg := tg.providerBlock() + fmt.Sprintf(`
data "diga_agent" "by_id" {
  id = %q
}
data "diga_agent" "by_name" {
  name = "Reception"
}
`, agentID)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:            cfg,
			ConfigStateChecks: append(checks("data.diga_agent.by_id"), checks("data.diga_agent.by_name")...),
		}},
	})
	// Neither lookup launched, published or assigned anything.
	for _, r := range tg.emu.Requests() {
		if r.Method != "GET" {
			t.Errorf("the data source sent %s %s", r.Method, r.Path)
		}
	}
}

func TestAccAgentDataSource_unpublished(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	tg.emu.AddAgent(tg.apiKey, emulator.AgentSeed{Name: "New agent"})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: tg.providerBlock() + "data \"diga_agent\" \"new\" {\n  name = \"New agent\"\n}\n",
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.diga_agent.new", tfjsonpath.New("published_version_id"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.diga_agent.new", tfjsonpath.New("published_version_number"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.diga_agent.new", tfjsonpath.New("published_flows"), knownvalue.ListSizeExact(0)),
				statecheck.ExpectKnownValue("data.diga_agent.new", tfjsonpath.New("draft_flows"), knownvalue.ListSizeExact(0)),
				statecheck.ExpectKnownValue("data.diga_agent.new", tfjsonpath.New("inbound_phone_numbers"), knownvalue.ListSizeExact(0)),
			},
		}},
	})
}

func TestAccAgentDataSource_lookupErrors(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	first := tg.emu.AddAgent(tg.apiKey, emulator.AgentSeed{Name: "Sales"})
	second := tg.emu.AddAgent(tg.apiKey, emulator.AgentSeed{Name: "Sales"})
	tg.emu.AddAgent(tg.apiKey, emulator.AgentSeed{Name: "Support"})
	ids := []string{first, second}
	if ids[0] > ids[1] {
		ids[0], ids[1] = ids[1], ids[0]
	}
	one := func(body string) string { return tg.providerBlock() + "data \"diga_agent\" \"x\" {\n" + body + "\n}\n" }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      one(`name = "Sales"`),
				ExpectError: regexp.MustCompile(`(?s)2 agents are named "Sales":\s+` + ids[0] + `,\s+` + ids[1]),
			},
			{
				Config:      one(`name = "support"`),
				ExpectError: regexp.MustCompile(`(?s)No agent of the project \(3 searched\) is named "support".*"Support"`),
			},
			{
				Config:      one(`id = "5b7e1c9a-0d2f-4e6b-8a1c-3f5d7b9e1a2c"`),
				ExpectError: regexp.MustCompile(`(?s)Agent not found.*5b7e1c9a-0d2f-4e6b-8a1c-3f5d7b9e1a2c`),
			},
			{
				Config:      one(`id = "Sales"`),
				ExpectError: regexp.MustCompile(`(?s)must be an agent id, a UUID`),
			},
			{
				Config:      one(`name = "Sales"` + "\n" + `id = "` + first + `"`),
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Combination`),
			},
			{
				Config:      one(""),
				ExpectError: regexp.MustCompile(`(?s)Exactly one of these attributes must be configured: \[id,name\]`),
			},
		},
	})
}

func TestAccAgentsDataSource_filtersAndCost(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	summary := tg.emu.CreateFlow(tg.apiKey, "Post-call summary")
	support, _ := seedDashboardAgent(t, tg, "Support", []string{summary}, []string{summary})
	sales := tg.emu.AddAgent(tg.apiKey, emulator.AgentSeed{Name: "Sales", FlowIDs: []string{summary}})
	tg.emu.AddAgent(tg.apiKey, emulator.AgentSeed{Name: "Support paths", Mode: "path"})
	cfg := tg.providerBlock() + `
data "diga_agents" "all" {}
data "diga_agents" "support_free" {
  mode       = "free"
  name_regex = "(?i)^support"
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      tg.providerBlock() + "data \"diga_agents\" \"x\" {\n  mode = \"Free\"\n}\n",
				ExpectError: regexp.MustCompile(`(?s)mode.*"free".*"path"`),
			},
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.diga_agents.all", tfjsonpath.New("agents"), knownvalue.ListSizeExact(3)),
					// Sorted by name: Sales, Support, Support paths.
					statecheck.ExpectKnownValue("data.diga_agents.all", tfjsonpath.New("agents").AtSliceIndex(0), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"id": knownvalue.StringExact(sales), "name": knownvalue.StringExact("Sales"), "mode": knownvalue.StringExact("free"),
						"draft_flow_ids":       knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(summary)}),
						"published_version_id": knownvalue.Null(), "published_version_number": knownvalue.Null(),
						"published_flow_ids": knownvalue.ListSizeExact(0),
					})),
					statecheck.ExpectKnownValue("data.diga_agents.all", tfjsonpath.New("agents").AtSliceIndex(1).AtMapKey("published_version_number"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue("data.diga_agents.all", tfjsonpath.New("agents").AtSliceIndex(1).AtMapKey("published_flow_ids"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(summary)})),
					statecheck.ExpectKnownValue("data.diga_agents.all", tfjsonpath.New("agents").AtSliceIndex(2).AtMapKey("mode"), knownvalue.StringExact("path")),
					statecheck.ExpectKnownValue("data.diga_agents.support_free", tfjsonpath.New("ids"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(support)})),
				},
			},
		},
	})
	// Each read of the two data sources lists the agents once and reads
	// the published version of the agents it keeps only: 3 + 1 per read.
	lists, published := 0, 0
	for _, r := range tg.emu.Requests() {
		switch {
		case r.Method == "GET" && r.Path == "/v1/agent/":
			lists++
		case r.Method == "GET" && strings.Contains(r.RawQuery, "is_published=true"):
			published++
		}
	}
	if lists == 0 || published != lists/2*4 {
		t.Errorf("%d listings and %d reads of a published version, want 4 reads per pair of listings", lists, published)
	}
}
