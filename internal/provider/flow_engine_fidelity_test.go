package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// These tests pin what an independent review of the engine-tree pipeline
// found: edits the configuration makes that must reach Diga, edits the Diga
// UI makes that must show in a plan, and definitions that must not plan
// again after every apply — each under the readings of Diga where it can
// go wrong.

var (
	engineStrict = []emulator.Option{emulator.WithImportMode(emulator.ImportEngine),
		emulator.WithResponseMode(emulator.ResponseDeclaredNoLoopBodies)}
	engineFull = []emulator.Option{emulator.WithImportMode(emulator.ImportEngine),
		emulator.WithResponseMode(emulator.ResponseFull)}
)

// slackStepDefinition is a Call Finished flow with one Slack step; extra
// goes into the step's settings.
func slackStepDefinition(extra string) string {
	return fmt.Sprintf(`jsonencode({
    type     = "PIECE_TRIGGER"
    settings = { pieceName = "@diga/piece-diga", triggerName = "call_finished" }
    nextAction = {
      name = "post"
      type = "PIECE"
      settings = {
        pieceName  = "@activepieces/piece-slack"
        actionName = "send_channel_message"
        input      = { channel = "C1", text = "hi", sendAsBot = true, auth = "{{connections['slack_bot']}}" }
        %s
      }
    }
  })`, extra)
}

// postSettings is the settings of the step "post" as Diga holds it.
func postSettings(tg *accTarget, s *terraform.State) (map[string]any, error) {
	f, err := tg.emuFlow(s)
	if err != nil {
		return nil, err
	}
	return f.Trigger["nextAction"].(map[string]any)["settings"].(map[string]any), nil
}

// Adding a key to the configuration that Diga's declared models cannot
// show (error handling) is still a change: state holds the text Terraform
// wrote, and two texts are compared in full.
func TestAccEngineFidelity_configAddsWriteOnlyKey(t *testing.T) {
	for name, opts := range map[string][]emulator.Option{"default": nil, "strict": engineStrict} {
		t.Run(name, func(t *testing.T) {
			tg := newAccTarget(t, opts...)
			flow := tg.name(t, "add-eh")
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy:             tg.checkFlowsDestroyed,
				Steps: []resource.TestStep{
					{Config: definedFlowConfig(tg, flow, slackStepDefinition(""), "  publish = false")},
					{
						Config: definedFlowConfig(tg, flow, slackStepDefinition(`errorHandlingOptions = { continueOnFailure = { value = true } }`), "  publish = false"),
						Check: func(s *terraform.State) error {
							st, err := postSettings(tg, s)
							if err != nil {
								return err
							}
							if st["errorHandlingOptions"] == nil {
								return fmt.Errorf("the error handling was never sent: Diga's step settings are %v", st)
							}
							return nil
						},
					},
				},
			})
		})
	}
}

// Under a Diga that answers with the whole tree, a UI edit of error
// handling shows in the plan (and the framework's own check at refresh does
// not hide it).
func TestAccEngineFidelity_uiEditOfWriteOnlyKeyUnderWholeTree(t *testing.T) {
	def := slackStepDefinition(`errorHandlingOptions = { retryOnFailure = { value = true } }`)
	for name, opts := range map[string][]emulator.Option{"full": {emulator.WithLenientResponseModel()}, "engine+full": engineFull} {
		t.Run(name, func(t *testing.T) {
			tg := newAccTargetOffContract(t, opts...)
			flow := tg.name(t, "ui-eh")
			var id string
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy:             tg.checkFlowsDestroyed,
				Steps: []resource.TestStep{
					{Config: definedFlowConfig(tg, flow, def, "  publish = false"), Check: flowID(&id)},
					{
						PreConfig: func() {
							tg.emu.EditFlow(tg.apiKey, id, func(tree map[string]any) {
								s := tree["nextAction"].(map[string]any)["settings"].(map[string]any)
								s["errorHandlingOptions"] = map[string]any{"retryOnFailure": map[string]any{"value": false}}
							})
						},
						Config:             definedFlowConfig(tg, flow, def, "  publish = false"),
						PlanOnly:           true,
						ExpectNonEmptyPlan: true,
					},
				},
			})
		})
	}
}

// A loop body written in children (the older form) and emptied in the UI
// shows in the plan under the whole-tree reading.
func TestAccEngineFidelity_uiEmptiesLoopWrittenInChildren(t *testing.T) {
	def := `jsonencode({
    type = "EMPTY"
    nextAction = {
      name     = "each"
      type     = "LOOP_ON_ITEMS"
      settings = { items = "{{trigger.a}}" }
      children = [{ name = "c", type = "CODE", settings = { sourceCode = { code = "export const code = async () => 1" } } }]
    }
  })`
	tg := newAccTargetOffContract(t, engineFull...)
	flow := tg.name(t, "loop")
	var id string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{
			{Config: definedFlowConfig(tg, flow, def, "  publish = false"), Check: flowID(&id)},
			{
				PreConfig: func() {
					tg.emu.EditFlow(tg.apiKey, id, func(tree map[string]any) {
						delete(tree["nextAction"].(map[string]any), "firstLoopAction")
					})
				},
				Config:             definedFlowConfig(tg, flow, def, "  publish = false"),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
		},
	})
}

// Following the valid = false warning's advice (leave valid out) is a
// change that reaches Diga, and the flow then publishes.
func TestAccEngineFidelity_validFalseRemoved(t *testing.T) {
	def := func(valid string) string {
		return fmt.Sprintf(`jsonencode({
    type     = "PIECE_TRIGGER"
    settings = { pieceName = "@diga/piece-diga", triggerName = "call_finished" }
    nextAction = {
      name = "c"
      type = "CODE"
      %s
      settings = { sourceCode = { code = "export const code = async () => 1" } }
    }
  })`, valid)
	}
	tg := newAccTarget(t, engineStrict...)
	tg.skipEngineCheck("the first step sends valid = false on purpose: the engine keeps it, as the test shows")
	flow := tg.name(t, "valid")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{
			{Config: definedFlowConfig(tg, flow, def("valid = false"), "  publish = false")},
			{
				Config: definedFlowConfig(tg, flow, def(""), "  publish = true"),
				Check: func(s *terraform.State) error {
					f, err := tg.emuFlow(s)
					if err != nil {
						return err
					}
					if !f.Published || f.Trigger["nextAction"].(map[string]any)["valid"] != true {
						return fmt.Errorf("published %v, step %v", f.Published, f.Trigger["nextAction"])
					}
					return nil
				},
			},
		},
	})
}

// Removing a pieceVersion pin sends the catalogue's version.
func TestAccEngineFidelity_unpinPieceVersion(t *testing.T) {
	tg := newAccTarget(t, engineStrict...)
	flow := tg.name(t, "pin")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{
			{Config: definedFlowConfig(tg, flow, slackStepDefinition(`pieceVersion = "0.17.0"`), "  publish = false")},
			{
				Config: definedFlowConfig(tg, flow, slackStepDefinition(""), "  publish = false"),
				Check: func(s *terraform.State) error {
					st, err := postSettings(tg, s)
					if err != nil {
						return err
					}
					if st["pieceVersion"] != "0.17.9" {
						return fmt.Errorf("after removing the pin Diga holds pieceVersion %v, want the catalogue's 0.17.9", st["pieceVersion"])
					}
					return nil
				},
			},
		},
	})
}

// What the engine drops is refused at plan (a trigger's skip, a key it
// does not keep), and a trigger's sample data, which it replaces, is warned
// about and does not plan again after the apply.
func TestAccEngineFidelity_whatTheEngineDoesNotKeep(t *testing.T) {
	tg := newAccTarget(t, engineStrict...)
	flow := tg.name(t, "drops")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: definedFlowConfig(tg, flow, `jsonencode({
    type     = "PIECE_TRIGGER"
    skip     = true
    settings = { pieceName = "@diga/piece-diga", triggerName = "call_finished" }
  })`, "  publish = false"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)trigger: a trigger cannot be skipped`),
			},
			{
				Config: definedFlowConfig(tg, flow, `jsonencode({
    type       = "EMPTY"
    nextAction = { name = "a", type = "CODE", settings = { sourceCode = { code = "x" } }, nextActon = { name = "b", type = "CODE" } }
  })`, "  publish = false"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)trigger > a: a step has no key "nextActon".*did you mean "nextAction"\?`),
			},
			{
				// Applies, warns, and the harness's plan after the apply is
				// empty.
				Config: definedFlowConfig(tg, flow, `jsonencode({
    type     = "PIECE_TRIGGER"
    settings = { pieceName = "@diga/piece-diga", triggerName = "call_finished", sampleData = { lastTestDate = "2026-01-01T00:00:00.000Z" } }
  })`, "  publish = false"),
			},
		},
	})
}

// With catalog_checks = false, a piece the catalogue does not list and no
// pieceVersion: the apply fails before anything is created.
func TestAccEngineFidelity_versionUnknownCreatesNothing(t *testing.T) {
	tg := newAccTarget(t, engineStrict...)
	tg.emulatorOnly(t)
	cfg := fmt.Sprintf("provider \"diga\" {\n  api_key        = %q\n  base_url       = %q\n  catalog_checks = false\n}\n", tg.apiKey, tg.baseURL) +
		fmt.Sprintf(`
resource "diga_flow" "test" {
  name       = %q
  publish    = false
  definition = jsonencode({
    type       = "PIECE_TRIGGER"
    settings   = { pieceName = "@diga/piece-diga", triggerName = "call_finished" }
    nextAction = { name = "p", type = "PIECE", settings = { pieceName = "@acme/piece-crm", actionName = "push", input = {} } }
  })
}
`, tg.name(t, "custom"))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      cfg,
			ExpectError: regexp.MustCompile(`(?s)"@acme/piece-crm".*trigger > p.*settings.pieceVersion.*Nothing\s+was\s+created`),
		}},
	})
	if n := len(tg.emu.Flows(tg.apiKey)); n != 0 {
		t.Errorf("the failed apply left %d flow(s) in Diga", n)
	}
}
