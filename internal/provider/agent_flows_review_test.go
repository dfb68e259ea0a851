package provider

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// Review findings for diga_agent_flows, each written as the behaviour a
// user expects. They fail while the finding stands.

// A create whose publish fails leaves no state (a failed create with state
// is tainted by Terraform, and the replacement would destroy the
// assignment, then launch yet another version): the next apply creates it
// again and publishes the version already launched instead of a second.
func TestAccAgentFlows_reviewCreatePublishFailureIsFinishedNotReplaced(t *testing.T) {
	f := &releaseFaults{}
	tg := newAccTargetChecked(t, f.wrap)
	a := tg.liveAgent(t, "Support")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig:   func() { f.set("PATCH /published_version", "400") },
				Config:      agentConfig(tg, t, a.id, "[diga_flow.summary.id]", "  release = true"),
				ExpectError: regexp.MustCompile(`(?s)Unable\s+to\s+publish\s+version\s+v2`),
			},
			{
				Config: agentConfig(tg, t, a.id, "[diga_flow.summary.id]", "  release = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(agentFlowsAddr, plancheck.ResourceActionCreate)},
				},
				Check: tg.checkLive(a, 2, 2, "diga_flow.summary"),
			},
		},
	})
}

// An agent unpublished in the dashboard (release = true in state) can
// still be destroyed: there is no live version to release, so the destroy
// takes the flows off the draft and launches nothing.
func TestAccAgentFlows_reviewDestroyAfterDashboardUnpublish(t *testing.T) {
	tg, tf := cliTarget(t)
	a := tg.liveAgent(t, "Support")
	tf.write(agentConfig(tg, t, a.id, "[diga_flow.summary.id]", "  release = true"))
	tf.mustRun("init", "-input=false")
	tf.mustRun("apply", "-input=false", "-auto-approve")
	if !tg.emu.PublishVersion(tg.apiKey, a.id, "") {
		t.Fatal("could not unpublish the agent")
	}
	if out, code := tf.run("destroy", "-input=false", "-auto-approve"); code != 0 {
		t.Fatalf("destroy of an unpublished agent's assignment failed (exit %d):\n%s", code, plainText(out))
	}
	ag, _ := tg.emu.Agent(tg.apiKey, a.id)
	if len(ag.Draft.FlowIDs) != 0 || len(ag.Versions) != 2 || ag.PublishedVersionID != "" {
		t.Errorf("after destroy: draft %v, %d versions, published %q; want no flows, 2 versions, none published",
			ag.Draft.FlowIDs, len(ag.Versions), ag.PublishedVersionID)
	}
}

// A plan that changes nothing on the agent (here only
// release_draft_changes) copies published_version_* from state; a version
// published in the dashboard after that plan (saved plan) or since the
// last refresh (-refresh=false) must not turn the apply into "Provider
// produced inconsistent result".
func TestAccAgentFlows_reviewDashboardPublishAfterPlan(t *testing.T) {
	for _, mode := range []string{"saved plan", "refresh=false"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			tg, tf := cliTarget(t)
			a := tg.liveAgent(t, "Support")
			tf.write(agentConfig(tg, t, a.id, "[diga_flow.summary.id]", ""))
			tf.mustRun("init", "-input=false")
			tf.mustRun("apply", "-input=false", "-auto-approve")
			tf.write(agentConfig(tg, t, a.id, "[diga_flow.summary.id]", "  release_draft_changes = true"))
			var out string
			var code int
			if mode == "saved plan" {
				tf.mustRun("plan", "-input=false", "-out=tfplan")
				if _, ok := tg.emu.LaunchAndPublish(tg.apiKey, a.id, "from the dashboard"); !ok {
					t.Fatal("dashboard release failed")
				}
				out, code = tf.run("apply", "-input=false", "tfplan")
			} else {
				if _, ok := tg.emu.LaunchAndPublish(tg.apiKey, a.id, "from the dashboard"); !ok {
					t.Fatal("dashboard release failed")
				}
				out, code = tf.run("apply", "-input=false", "-auto-approve", "-refresh=false")
			}
			if code != 0 || strings.Contains(out, "inconsistent") {
				t.Errorf("apply after a dashboard publish failed (exit %d):\n%s", code, plainText(out))
			}
		})
	}
}

// The agent renamed in the dashboard between plan and apply: the apply
// re-plans, and a name the plan showed as known must not change there
// ("Provider produced inconsistent final plan").
func TestAccAgentFlows_reviewAgentRenamedBetweenPlanAndApply(t *testing.T) {
	tg, tf := cliTarget(t)
	a := tg.liveAgent(t, "Support")
	tf.write(agentConfig(tg, t, a.id, "[diga_flow.summary.id]", ""))
	tf.mustRun("init", "-input=false")
	// The flows exist first, so that the assignment's plan knows its names.
	tf.mustRun("apply", "-input=false", "-auto-approve", "-target=diga_flow.summary")
	tf.mustRun("plan", "-input=false", "-out=tfplan")
	tg.emu.EditAgentDraft(tg.apiKey, a.id, func(f map[string]any) { f["name"] = "Support (renamed)" })
	if out, code := tf.run("apply", "-input=false", "tfplan"); code != 0 || strings.Contains(out, "inconsistent") {
		t.Errorf("apply of a saved plan after a dashboard rename failed (exit %d):\n%s", code, plainText(out))
	}
}

// A check that cannot run while the apply re-plans (Diga answering 502)
// turns a value the plan knew into unknown: Terraform then reports a
// provider bug ("inconsistent final plan") instead of the provider saying
// which request failed.
func TestAccAgentFlows_reviewFaultWhileApplyReplans(t *testing.T) {
	f := &releaseFaults{}
	tg := newAccTargetChecked(t, f.wrap)
	tg.emulatorOnly(t)
	tf := tfRunner{t: t, dir: t.TempDir(), reattach: cliProvider(t)}
	a := tg.liveAgent(t, "Support")
	cfg := strings.Replace(agentConfig(tg, t, a.id, "[diga_flow.summary.id]", ""),
		"provider \"diga\" {\n", "provider \"diga\" {\n  max_retries = 0\n", 1)
	tf.write(cfg)
	tf.mustRun("init", "-input=false")
	tf.mustRun("apply", "-input=false", "-auto-approve", "-target=diga_flow.summary")
	tf.mustRun("plan", "-input=false", "-out=tfplan")
	outcomes := slices.Repeat([]string{"502-before"}, 20)
	f.set("GET /"+a.id, outcomes...)
	out, code := tf.run("apply", "-input=false", "tfplan")
	text := plainText(out)
	if code == 0 {
		t.Fatalf("apply under 502 succeeded:\n%s", text)
	}
	if strings.Contains(text, "inconsistent final plan") || !strings.Contains(text, "Unable to read agent") {
		t.Errorf("apply under 502 does not name the failed request:\n%s", text)
	}
}

// Renaming the resource (here from a counted block to a plain one of
// another name) without a moved block would destroy the old address and
// create the new one for the same agent, in no set order: the plan refuses
// it and says to write a moved block; with one, the agent keeps running
// the flows and the next plan is empty.
func TestAccAgentFlows_reviewRenamedResourceSameAgent(t *testing.T) {
	tg, tf := cliTarget(t)
	a := tg.liveAgent(t, "Support")
	cfg := agentConfig(tg, t, a.id, "[diga_flow.summary.id]", "  release = true")
	tf.write(strings.Replace(cfg, `resource "diga_agent_flows" "support" {`,
		"resource \"diga_agent_flows\" \"support\" {\n  count = 1", 1))
	tf.mustRun("init", "-input=false")
	tf.mustRun("apply", "-input=false", "-auto-approve")
	renamed := strings.Replace(cfg, `resource "diga_agent_flows" "support" {`,
		"resource \"diga_agent_flows\" \"main\" {", 1)
	tf.write(renamed)
	out, code := tf.run("apply", "-input=false", "-auto-approve")
	if code == 0 || !strings.Contains(plainText(out), "moved block") {
		t.Fatalf("apply renaming the resource without a moved block was not refused naming one (exit %d):\n%s", code, plainText(out))
	}
	tf.write(renamed + "\nmoved {\n  from = diga_agent_flows.support[0]\n  to   = diga_agent_flows.main\n}\n")
	if out, code := tf.run("apply", "-input=false", "-auto-approve"); code != 0 {
		t.Fatalf("apply with a moved block failed (exit %d):\n%s", code, plainText(out))
	}
	flow := tg.mustStateID(t, tf, "diga_flow.summary")
	ag, _ := tg.emu.Agent(tg.apiKey, a.id)
	pub, n, err := tg.published(a.id)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ag.Draft.FlowIDs, []string{flow}) || !slices.Equal(pub.FlowIDs, []string{flow}) || n != 2 {
		t.Errorf("after the move the draft runs %v and published v%d of %d runs %v, want [%s] on both, v2 of 2",
			ag.Draft.FlowIDs, pub.Number, n, pub.FlowIDs, flow)
	}
	if out := plainText(tf.mustRun("plan", "-input=false")); !strings.Contains(out, "No changes") {
		t.Errorf("plan after the move is not empty:\n%s", out)
	}
}

// An agent id the configuration alone shows is not one (Diga's ids are
// UUIDs) is refused at plan naming agent_id, not left to a warning and a
// 422 at apply.
func TestAccAgentFlows_reviewMalformedIDsFailAtPlan(t *testing.T) {
	tg := newAccTarget(t)
	a := tg.liveAgent(t, "Support")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      agentConfig(tg, t, "support-line", "[diga_flow.summary.id]", ""),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)agent_id.*UUID`),
			},
			{
				Config:      agentConfig(tg, t, a.id, `[""]`, ""),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)flow_ids.*empty`),
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

// Two diga_agent_flows for one agent are refused at plan even when they
// declare the same flows (a for_each whose map names one agent twice):
// each apply would launch and publish its own version, and destroying one
// takes the other's flows off the agent.
func TestAccAgentFlows_reviewSameAgentTwiceWithSameFlows(t *testing.T) {
	tg := newAccTarget(t)
	a := tg.liveAgent(t, "Support")
	cfg := agentConfig(tg, t, a.id, "", "") + fmt.Sprintf(`
resource "diga_agent_flows" "by_team" {
  for_each = { sales = %q, support = %q }
  agent_id = each.value
  flow_ids = [diga_flow.summary.id]
  release  = true
}
`, a.id, a.id)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: agentConfig(tg, t, a.id, "", "")},
			{Config: cfg, ExpectError: regexp.MustCompile(`Agent managed twice`)},
		},
	})
}

// A release of an agent that has never been published and answers on no
// number cannot be published (Diga publishes on phone numbers): the plan
// warns that it has no published version, and the apply refuses before it
// launches anything, naming the numbers.
func TestAccAgentFlows_reviewReleaseWithoutAnyNumber(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	id := tg.emu.AddAgent(tg.apiKey, emulator.AgentSeed{Name: "Lonely", Prompt: "p"})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: agentConfig(tg, t, id, "", "")},
			{
				Config:      agentConfig(tg, t, id, "[diga_flow.summary.id]", "  release = true\n  release_draft_changes = true"),
				ExpectError: regexp.MustCompile(`(?s)no\s+phone\s+number`),
			},
		},
		CheckDestroy: func(*terraform.State) error {
			ag, _ := tg.emu.Agent(tg.apiKey, id)
			if len(ag.Versions) != 0 {
				return fmt.Errorf("a release that cannot be published launched %d versions", len(ag.Versions))
			}
			return nil
		},
	})
}
