package provider

import (
	"fmt"
	"regexp"
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

// failingPostCallDefinition is postCallDefinition whose post_slack step
// fails every test with message (the emulator's FailMarker).
func failingPostCallDefinition(text, message string) string {
	return strings.Replace(postCallDefinition(text), `channel = "C0123456"`,
		fmt.Sprintf(`channel = "C0123456", %s = %q`, emulator.FailMarker, message), 1)
}

func slackInput(tree map[string]any) map[string]any {
	step, _ := tree["nextAction"].(map[string]any)
	step, _ = step["nextAction"].(map[string]any)
	settings, _ := step["settings"].(map[string]any)
	input, _ := settings["input"].(map[string]any)
	return input
}

// test_before_publish: a passing test publishes; a failing one fails the
// apply naming the step and Diga's message, publishes nothing, keeps the
// published version running and the publish pending; fixing the flow
// publishes it.
func TestAccFlow_testBeforePublishGate(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	name := tg.name(t, "gate")
	gate := "  enabled = true\n  test_before_publish = true"
	var firstHash string

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{
			{
				// The gate passes: one test run, then the publish.
				Config: definedFlowConfig(tg, name, postCallDefinition("v1"), gate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(flowAddr, tfjsonpath.New("test_before_publish"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(flowAddr, tfjsonpath.New("status"), knownvalue.StringExact("ENABLED")),
				},
				Check: func(s *terraform.State) error {
					f, err := tg.emuFlow(s)
					if err != nil {
						return err
					}
					if !f.Published || slackText(f.PublishedTrigger) != "v1" {
						return fmt.Errorf("v1 not published: %+v", f)
					}
					if n := tg.emu.RunCount(tg.apiKey, f.ID); n != 1 {
						return fmt.Errorf("%d test runs, want 1 (the gate before the publish)", n)
					}
					firstHash = s.RootModule().Resources[flowAddr].Primary.Attributes["published_hash"]
					return nil
				},
			},
			{
				// v2 fails its test: the apply fails and names the step.
				Config:      definedFlowConfig(tg, name, failingPostCallDefinition("v2", "channel_not_found"), gate),
				ExpectError: regexp.MustCompile(`(?s)Flow test failed; the flow was not published.*step "post_slack" failed:\s+channel_not_found`),
			},
			{
				// Nothing was published, and the publish is still pending:
				// the plan shows a change although the draft holds v2.
				PreConfig: func() {
					for _, f := range tg.emu.Flows(tg.apiKey) {
						if slackText(f.PublishedTrigger) != "v1" || f.Status != "ENABLED" {
							t.Errorf("after the failed gate the published version must stay v1 and enabled: %+v", f)
						}
						if slackText(f.Trigger) != "v2" || slackInput(f.Trigger)[emulator.FailMarker] == nil {
							t.Errorf("the draft must hold v2 as written: %v", f.Trigger)
						}
						if n := tg.emu.RunCount(tg.apiKey, f.ID); n != 2 {
							t.Errorf("%d test runs, want 2", n)
						}
					}
				},
				Config:             definedFlowConfig(tg, name, failingPostCallDefinition("v2", "channel_not_found"), gate),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				// Fixed: tested, published.
				Config: definedFlowConfig(tg, name, postCallDefinition("v2"), gate),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(flowAddr, plancheck.ResourceActionUpdate)},
				},
				Check: func(s *terraform.State) error {
					f, err := tg.emuFlow(s)
					if err != nil {
						return err
					}
					if slackText(f.PublishedTrigger) != "v2" || slackInput(f.PublishedTrigger)[emulator.FailMarker] != nil {
						return fmt.Errorf("fixed v2 not published: %v", f.PublishedTrigger)
					}
					if h := s.RootModule().Resources[flowAddr].Primary.Attributes["published_hash"]; h == firstHash {
						return fmt.Errorf("published_hash did not change after the publish")
					}
					if n := tg.emu.RunCount(tg.apiKey, f.ID); n != 3 {
						return fmt.Errorf("%d test runs, want 3", n)
					}
					return nil
				},
			},
		},
	})
}

// Without test_before_publish nothing is tested.
func TestAccFlow_noGateNoTest(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	name := tg.name(t, "nogate")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{{
			Config: definedFlowConfig(tg, name, failingPostCallDefinition("v1", "would fail"), ""),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(flowAddr, tfjsonpath.New("test_before_publish"), knownvalue.Bool(false)),
			},
			Check: func(s *terraform.State) error {
				f, err := tg.emuFlow(s)
				if err != nil {
					return err
				}
				if !f.Published || tg.emu.RunCount(tg.apiKey, f.ID) != 0 {
					return fmt.Errorf("published=%v runs=%d, want published without a test", f.Published, tg.emu.RunCount(tg.apiKey, f.ID))
				}
				return nil
			},
		}},
	})
}

// A new flow whose first test fails: the apply fails, nothing is
// published, and the flow is tracked (tainted, as Terraform does with any
// create that fails), so fixing the definition and applying again replaces
// it with a flow that passes and is published.
func TestAccFlow_testBeforePublishGateOnCreate(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	name := tg.name(t, "gate-create")
	gate := "  test_before_publish = true"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{
			{
				Config:      definedFlowConfig(tg, name, failingPostCallDefinition("v1", "bad channel"), gate),
				ExpectError: regexp.MustCompile(`(?s)Flow test failed; the flow was not published.*step "post_slack" failed:\s+bad channel`),
			},
			{
				PreConfig: func() {
					flows := tg.emu.Flows(tg.apiKey)
					if len(flows) != 1 || flows[0].Published {
						t.Errorf("after the failed create: %d flows, want 1 unpublished: %+v", len(flows), flows)
					}
				},
				Config: definedFlowConfig(tg, name, postCallDefinition("v1"), gate),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(flowAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: func(s *terraform.State) error {
					f, err := tg.emuFlow(s)
					if err != nil {
						return err
					}
					if !f.Published || slackText(f.PublishedTrigger) != "v1" {
						return fmt.Errorf("fixed flow not published: %+v", f)
					}
					if n := len(tg.emu.Flows(tg.apiKey)); n != 1 {
						return fmt.Errorf("%d flows, want 1 (the failed one replaced, not orphaned)", n)
					}
					return nil
				},
			},
		},
	})
}
