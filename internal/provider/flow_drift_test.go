package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// These tests edit the flow in the "Diga UI" (the emulator, out of band)
// at the worst moment: after Terraform planned and before it applies, as a
// saved plan or -refresh=false allows.

// flowID reads the id of diga_flow.test into *id.
func flowID(id *string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[flowAddr]
		if !ok {
			return fmt.Errorf("%s not in state", flowAddr)
		}
		*id = rs.Primary.ID
		return nil
	}
}

// uiStep is a step a user adds in the Diga UI after the first one.
func uiStep(tree map[string]any) {
	tree["nextAction"] = map[string]any{
		"name": "ui_step", "type": "CODE",
		"settings":   map[string]any{"input": map[string]any{}, "sourceCode": map[string]any{"code": "export const code = async () => 'unreviewed'"}},
		"nextAction": tree["nextAction"],
	}
}

// A managed definition: a rename-only apply after a UI edit of the draft
// publishes exactly the configured definition, never the UI's step.
func TestAccFlow_publishesOnlyConfiguredDefinition(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	name := tg.name(t, "reviewed")
	var id string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: definedFlowConfig(tg, name, postCallDefinition("reviewed"), "  enabled = true"),
				Check: resource.ComposeTestCheckFunc(flowID(&id), func(*terraform.State) error {
					// The UI edit lands between the next plan and its apply.
					tg.onNextWrite(func() { tg.emu.EditFlow(tg.apiKey, id, uiStep) })
					return nil
				}),
			},
			{
				Config: definedFlowConfig(tg, name+"-renamed", postCallDefinition("reviewed"), "  enabled = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(flowAddr, plancheck.ResourceActionUpdate)},
				},
				Check: func(s *terraform.State) error {
					f, err := tg.emuFlow(s)
					if err != nil {
						return err
					}
					if _, ui := f.PublishedTrigger["nextAction"].(map[string]any)["name"].(string); ui && f.PublishedTrigger["nextAction"].(map[string]any)["name"] == "ui_step" {
						return fmt.Errorf("the UI's unreviewed step was published: %v", f.PublishedTrigger)
					}
					if got := slackText(f.PublishedTrigger); got != "reviewed" || f.PublishedName != name+"-renamed" {
						return fmt.Errorf("published %q named %q, want the configured definition named %q", got, f.PublishedName, name+"-renamed")
					}
					if got := slackText(f.Trigger); got != "reviewed" {
						return fmt.Errorf("draft holds %v, want the configured definition", f.Trigger)
					}
					return nil
				},
			},
		},
	})
}

// The same saved-plan sequence with a UI change of the trigger type:
// flow_category, which Diga derives, is not planned as known, so the apply
// cannot contradict the plan.
func TestAccFlow_triggerTypeChangedBetweenPlanAndApply(t *testing.T) {
	toFunctionCall := func(tree map[string]any) {
		settings, _ := tree["settings"].(map[string]any)
		settings["triggerName"] = "function_call"
	}
	for _, managed := range []bool{true, false} {
		definition := ""
		if managed {
			definition = "  definition = " + postCallDefinition("x") + "\n"
		}
		t.Run(fmt.Sprintf("managed=%v", managed), func(t *testing.T) {
			tg := newAccTarget(t)
			tg.emulatorOnly(t)
			name := tg.name(t, "category")
			var id string
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy:             tg.checkFlowsDestroyed,
				Steps: []resource.TestStep{
					{
						// Created with a definition, so it has a post-call trigger.
						Config: definedFlowConfig(tg, name, postCallDefinition("x"), ""),
						Check: resource.ComposeTestCheckFunc(flowID(&id), func(*terraform.State) error {
							tg.onNextWrite(func() { tg.emu.EditFlow(tg.apiKey, id, toFunctionCall) })
							return nil
						}),
					},
					{
						Config: tg.providerBlock() + fmt.Sprintf("resource \"diga_flow\" \"test\" {\n  name = %q\n%s}\n", name+"-2", definition),
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{plancheck.ExpectUnknownValue(flowAddr, tfjsonpath.New("flow_category"))},
						},
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue(flowAddr, tfjsonpath.New("flow_category"),
								knownvalue.StringExact(map[bool]string{true: "post_call", false: "during_call"}[managed])),
						},
					},
				},
			})
		})
	}
}

// An unmanaged definition belongs to the Diga UI: its edits show in state
// and plan no change, and a rename does not publish them.
func TestAccFlow_unmanagedDraftIsNeverPublished(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	name := tg.name(t, "ui-owned")
	var id string
	unmanaged := func(name string) string {
		return tg.providerBlock() + fmt.Sprintf("resource \"diga_flow\" \"test\" {\n  name    = %q\n  enabled = true\n}\n", name)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: definedFlowConfig(tg, name, postCallDefinition("from terraform"), "  enabled = true"),
				Check:  flowID(&id),
			},
			{
				// Terraform stops managing the definition; the UI edits it.
				PreConfig: func() { tg.emu.EditFlow(tg.apiKey, id, uiStep) },
				Config:    unmanaged(name),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(flowAddr, tfjsonpath.New("definition"), knownvalue.StringRegexp(regexp.MustCompile(`ui_step`))),
				},
			},
			{
				Config: unmanaged(name + "-renamed"),
				Check: func(s *terraform.State) error {
					f, err := tg.emuFlow(s)
					if err != nil {
						return err
					}
					if next, _ := f.PublishedTrigger["nextAction"].(map[string]any); next["name"] == "ui_step" {
						return fmt.Errorf("the UI's draft was published by a rename")
					}
					if f.Name != name+"-renamed" || f.PublishedName != name {
						return fmt.Errorf("draft name %q, published name %q: want the rename in the draft only", f.Name, f.PublishedName)
					}
					return nil
				},
			},
		},
	})
}

// A UI edit that skips a step, or changes its error handling, changes how
// the flow runs: the plan shows it.
func TestAccFlow_skipAndErrorHandlingAreMeaning(t *testing.T) {
	for name, edit := range map[string]func(map[string]any){
		"skip": func(tree map[string]any) {
			tree["nextAction"].(map[string]any)["skip"] = true
		},
		"errorHandlingOptions": func(tree map[string]any) {
			settings := tree["nextAction"].(map[string]any)["settings"].(map[string]any)
			settings["errorHandlingOptions"] = map[string]any{"continueOnFailure": map[string]any{"value": true}}
		},
	} {
		t.Run(name, func(t *testing.T) {
			// errorHandlingOptions is outside Diga's documented response
			// model; Activepieces returns it, so a looser server does too.
			tg := newAccTargetOffContract(t, emulator.WithLenientResponseModel())
			tg.emulatorOnly(t)
			flow := tg.name(t, "skip")
			var id string
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy:             tg.checkFlowsDestroyed,
				Steps: []resource.TestStep{
					{
						Config: definedFlowConfig(tg, flow, postCallDefinition("x"), ""),
						Check:  flowID(&id),
					},
					{
						PreConfig: func() { tg.emu.EditFlow(tg.apiKey, id, edit) },
						Config:    definedFlowConfig(tg, flow, postCallDefinition("x"), ""),
						PlanOnly:  true,
						// The refreshed plan is not empty.
						ExpectNonEmptyPlan: true,
					},
				},
			})
		})
	}
}

// enabled = true on a new flow with neither definition nor template can
// never hold: refused at plan, nothing sent.
func TestAccFlow_enableEmptyFlowRefusedAtPlan(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      tg.providerBlock() + "resource \"diga_flow\" \"test\" {\n  name    = \"empty\"\n  enabled = true\n}\n",
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Flow cannot be enabled.*without a definition`),
		}},
	})
	if n := tg.emu.WriteCount(tg.apiKey); n != 0 {
		t.Errorf("a refused plan sent %d write(s)", n)
	}
}
