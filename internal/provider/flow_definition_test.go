package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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
	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

// postCallDefinition is HCL for a realistic post-call flow: Call Finished →
// HTTP request → Slack message.
func postCallDefinition(slackText string) string {
	return fmt.Sprintf(`jsonencode({
    name        = "trigger"
    type        = "PIECE_TRIGGER"
    displayName = "Call finished"
    settings = {
      pieceName   = "@diga/piece-diga"
      triggerName = "call_finished"
      input       = {}
    }
    nextAction = {
      name        = "notify_crm"
      type        = "PIECE"
      displayName = "Send call to CRM"
      settings = {
        pieceName  = "@activepieces/piece-http"
        actionName = "send_request"
        input = {
          method      = "POST"
          url         = "https://crm.example.com/calls"
          headers     = {}
          queryParams = {}
          authType    = "NONE"
          body        = { call_id = "{{trigger.call_id}}", duration = "{{trigger.duration}}" }
        }
      }
      nextAction = {
        name        = "post_slack"
        type        = "PIECE"
        displayName = "Post to Slack"
        settings = {
          pieceName  = "@activepieces/piece-slack"
          actionName = "send_channel_message"
          input      = { channel = "C0123456", text = %q, sendAsBot = true, auth = "{{connections['slack_bot']}}" }
        }
      }
    }
  })`, slackText)
}

func definedFlowConfig(tg *accTarget, name, definition string, extra string) string {
	return tg.providerBlock() + fmt.Sprintf(`
resource "diga_flow" "test" {
  name       = %q
  definition = %s
%s
}
`, name, definition, extra)
}

// emuFlow returns the emulator's view of the flow in state.
func (tg *accTarget) emuFlow(s *terraform.State) (emulator.Flow, error) {
	rs, ok := s.RootModule().Resources[flowAddr]
	if !ok {
		return emulator.Flow{}, fmt.Errorf("%s not in state", flowAddr)
	}
	f, ok := tg.emu.Flow(tg.apiKey, rs.Primary.ID)
	if !ok {
		return emulator.Flow{}, fmt.Errorf("flow %s not in the emulator", rs.Primary.ID)
	}
	return f, nil
}

// slackText digs the Slack message out of a stored trigger tree.
func slackText(tree map[string]any) string {
	step, _ := tree["nextAction"].(map[string]any)
	step, _ = step["nextAction"].(map[string]any)
	settings, _ := step["settings"].(map[string]any)
	input, _ := settings["input"].(map[string]any)
	text, _ := input["text"].(string)
	return text
}

func TestAccFlow_definitionPublishEnable(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	name := tg.name(t, "post-call")
	var writesAfterCreate int
	var firstHash string

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{
			{
				// Create, import the tree, publish, enable. The emulator adds
				// its own keys and returns them sorted; the post-apply plan
				// that the test framework runs must still be empty.
				Config: definedFlowConfig(tg, name, postCallDefinition("Call {{trigger.call_id}} done"), "  enabled = true"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(flowAddr, tfjsonpath.New("status"), knownvalue.StringExact("ENABLED")),
					statecheck.ExpectKnownValue(flowAddr, tfjsonpath.New("enabled"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(flowAddr, tfjsonpath.New("publish"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(flowAddr, tfjsonpath.New("flow_category"), knownvalue.StringExact("post_call")),
					statecheck.ExpectKnownValue(flowAddr, tfjsonpath.New("published_hash"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{64}$`))),
				},
				Check: func(s *terraform.State) error {
					f, err := tg.emuFlow(s)
					if err != nil {
						return err
					}
					if !f.Published || slackText(f.PublishedTrigger) != "Call {{trigger.call_id}} done" {
						return fmt.Errorf("published version is not the declared tree: published=%v %v", f.Published, f.PublishedTrigger)
					}
					if f.Status != "ENABLED" {
						return fmt.Errorf("emulator status %s", f.Status)
					}
					writesAfterCreate = tg.emu.WriteCount(tg.apiKey)
					firstHash = s.RootModule().Resources[flowAddr].Primary.Attributes["published_hash"]
					return nil
				},
			},
			{
				// The same configuration again: nothing to do, no write call.
				Config: definedFlowConfig(tg, name, postCallDefinition("Call {{trigger.call_id}} done"), "  enabled = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(*terraform.State) error {
					if n := tg.emu.WriteCount(tg.apiKey); n != writesAfterCreate {
						return fmt.Errorf("a no-op apply made %d write call(s)", n-writesAfterCreate)
					}
					return nil
				},
			},
			{
				// Editing the tree is an in-place update that republishes.
				Config: definedFlowConfig(tg, name, postCallDefinition("Call {{trigger.call_id}} finished"), "  enabled = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(flowAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(flowAddr, tfjsonpath.New("updated")),
					},
				},
				Check: func(s *terraform.State) error {
					f, err := tg.emuFlow(s)
					if err != nil {
						return err
					}
					if got := slackText(f.PublishedTrigger); got != "Call {{trigger.call_id}} finished" {
						return fmt.Errorf("edit not republished: published text %q", got)
					}
					if h := s.RootModule().Resources[flowAddr].Primary.Attributes["published_hash"]; h == firstHash {
						return fmt.Errorf("published_hash did not change after a republish")
					}
					return nil
				},
			},
			{
				// Disabling.
				Config: definedFlowConfig(tg, name, postCallDefinition("Call {{trigger.call_id}} finished"), "  enabled = false"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(flowAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(flowAddr, tfjsonpath.New("status"), knownvalue.StringExact("DISABLED")),
				},
				Check: func(s *terraform.State) error {
					f, err := tg.emuFlow(s)
					if err != nil {
						return err
					}
					if f.Status != "DISABLED" {
						return fmt.Errorf("emulator status %s after disabling", f.Status)
					}
					return nil
				},
			},
			{
				// Import fills the definition from Diga in its canonical
				// form (empty objects such as `input = {}` dropped, and what
				// the engine filled in — display names, piece versions —
				// kept), which means the same flow as the configuration.
				// published_hash is the fingerprint of that text, not of the
				// configuration's: each stands for "published as it is", and
				// the import test of the bulk-import guide shows the plan
				// after an import is empty.
				ResourceName:            flowAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"definition", "published_hash"},
				ImportStateCheck:        checkImportedDefinition(postCallDefinitionJSON("Call {{trigger.call_id}} finished")),
			},
		},
	})
}

// postCallDefinitionJSON is postCallDefinition as the JSON jsonencode gives.
func postCallDefinitionJSON(slack string) string {
	return fmt.Sprintf(`{"name":"trigger","type":"PIECE_TRIGGER","displayName":"Call finished",
	  "settings":{"pieceName":"@diga/piece-diga","triggerName":"call_finished","input":{}},
	  "nextAction":{"name":"notify_crm","type":"PIECE","displayName":"Send call to CRM",
	    "settings":{"pieceName":"@activepieces/piece-http","actionName":"send_request",
	      "input":{"method":"POST","url":"https://crm.example.com/calls","headers":{},"queryParams":{},"authType":"NONE","body":{"call_id":"{{trigger.call_id}}","duration":"{{trigger.duration}}"}}},
	    "nextAction":{"name":"post_slack","type":"PIECE","displayName":"Post to Slack",
	      "settings":{"pieceName":"@activepieces/piece-slack","actionName":"send_channel_message","input":{"channel":"C0123456","text":%q,"sendAsBot":true,"auth":"{{connections['slack_bot']}}"}}}}}`, slack)
}

// checkImportedDefinition asserts the imported definition means the same
// flow as want.
func checkImportedDefinition(want string) resource.ImportStateCheckFunc {
	return func(states []*terraform.InstanceState) error {
		if len(states) != 1 {
			return fmt.Errorf("imported %d instances, want 1", len(states))
		}
		got, err := flowdef.Parse(states[0].Attributes["definition"])
		if err != nil {
			return fmt.Errorf("imported definition: %w", err)
		}
		w, err := flowdef.Parse(want)
		if err != nil {
			return err
		}
		if d := flowdef.Differences(w, got, 5); len(d) > 0 {
			return fmt.Errorf("imported definition differs: %v", d)
		}
		return nil
	}
}

// A change made in the Diga UI shows in the plan, naming the changed value,
// and the next apply restores the declared tree.
func TestAccFlow_uiEditShowsAsDrift(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	name := tg.name(t, "drift")
	cfg := definedFlowConfig(tg, name, postCallDefinition("declared text"), "")

	editInUI := func(s *terraform.State) error {
		id := s.RootModule().Resources[flowAddr].Primary.ID
		if !tg.emu.EditFlow(tg.apiKey, id, func(tree map[string]any) {
			step := tree["nextAction"].(map[string]any)["nextAction"].(map[string]any)
			step["settings"].(map[string]any)["input"].(map[string]any)["text"] = "edited in the UI"
		}) {
			return fmt.Errorf("flow %s not in the emulator", id)
		}
		return nil
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{
			{
				Config:             cfg,
				Check:              editInUI,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(flowAddr, plancheck.ResourceActionUpdate),
						expectDefinitionChange("edited in the UI", "declared text"),
					},
				},
				Check: func(s *terraform.State) error {
					f, err := tg.emuFlow(s)
					if err != nil {
						return err
					}
					if got := slackText(f.Trigger); got != "declared text" {
						return fmt.Errorf("draft not restored: %q", got)
					}
					if got := slackText(f.PublishedTrigger); got != "declared text" {
						return fmt.Errorf("published version not restored: %q", got)
					}
					return nil
				},
			},
		},
	})
}

// expectDefinitionChange asserts the planned change of definition goes from
// a state holding before to a plan holding after, with nothing but that
// value (and no server bookkeeping) in the difference.
func expectDefinitionChange(before, after string) plancheck.PlanCheck {
	return planCheckFunc(func(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
		for _, rc := range req.Plan.ResourceChanges {
			if rc.Address != flowAddr {
				continue
			}
			b, _ := rc.Change.Before.(map[string]any)["definition"].(string)
			a, _ := rc.Change.After.(map[string]any)["definition"].(string)
			if !strings.Contains(b, before) || !strings.Contains(a, after) {
				resp.Error = fmt.Errorf("definition change does not go from %q to %q:\nbefore %s\nafter  %s", before, after, b, a)
				return
			}
			if strings.Contains(b, `"valid"`) || strings.Contains(b, `"sampleData"`) {
				resp.Error = fmt.Errorf("prior definition carries server bookkeeping, the diff would be noisy: %s", b)
			}
			return
		}
		resp.Error = fmt.Errorf("no change planned for %s", flowAddr)
	})
}

type planCheckFunc func(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse)

func (f planCheckFunc) CheckPlan(ctx context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	f(ctx, req, resp)
}

// Without a definition in the configuration, the definition follows the
// server: UI edits are no drift.
func TestAccFlow_unmanagedDefinitionFollowsServer(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	name := tg.name(t, "unmanaged")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: flowConfig(tg, name),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(flowAddr, tfjsonpath.New("definition"), knownvalue.StringRegexp(regexp.MustCompile(`"type":"EMPTY"`))),
				},
				Check: func(s *terraform.State) error {
					id := s.RootModule().Resources[flowAddr].Primary.ID
					tg.emu.EditFlow(tg.apiKey, id, func(tree map[string]any) {
						tree["nextAction"] = map[string]any{"name": "ui_step", "type": "CODE", "settings": map[string]any{"sourceCode": map[string]any{"code": "x"}}}
					})
					return nil
				},
			},
			{
				Config: flowConfig(tg, name),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(flowAddr, tfjsonpath.New("definition"), knownvalue.StringRegexp(regexp.MustCompile(`ui_step`))),
				},
			},
		},
	})
}

// Enabling must fail loudly when Diga cannot have a published version.
func TestAccFlow_enableUnpublishedFails(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	name := tg.name(t, "unpublished")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{
			{
				// The configuration alone shows it: refused at plan.
				Config:      definedFlowConfig(tg, name, postCallDefinition("x"), "  publish = false\n  enabled = true"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Flow cannot be enabled.*publish = false is never published`),
			},
			{
				// A draft-only flow...
				Config: definedFlowConfig(tg, name, postCallDefinition("x"), "  publish = false"),
			},
			{
				// ...then enabled: state shows Terraform never published it,
				// so the plan refuses before Diga silently ignores the change.
				Config:      definedFlowConfig(tg, name, postCallDefinition("x"), "  publish = false\n  enabled = true"),
				ExpectError: regexp.MustCompile(`(?s)Flow cannot be enabled.*never published this flow`),
			},
			{
				// State still tells the truth: disabled, nothing to change.
				Config: definedFlowConfig(tg, name, postCallDefinition("x"), "  publish = false"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(s *terraform.State) error {
					f, err := tg.emuFlow(s)
					if err != nil {
						return err
					}
					if f.Status == "ENABLED" || f.Published {
						return fmt.Errorf("flow: status %s published %v, want an unpublished disabled flow", f.Status, f.Published)
					}
					return nil
				},
			},
		},
	})
}

func TestAccFlow_enableEmptyTriggerRejectedAtPlan(t *testing.T) {
	tg := newAccTarget(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      definedFlowConfig(tg, "empty-enabled", `jsonencode({ type = "EMPTY" })`, "  enabled = true"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Flow cannot be enabled.*trigger type is EMPTY`),
			},
		},
	})
	if tg.emu != nil && tg.emu.WriteCount(tg.apiKey) != 0 {
		t.Error("a plan-time error still sent write calls")
	}
}

// Invalid trees fail at plan, naming the step, before any request.
func TestAccFlow_invalidDefinitionRejectedAtPlan(t *testing.T) {
	tg := newAccTarget(t)
	cases := []struct {
		definition string
		want       string
	}{
		{`"not json"`, `(?s)Invalid flow definition.*not valid JSON`},
		{`jsonencode(["trigger"])`, `(?s)Invalid flow definition.*not a JSON object`},
		{`"{\"type\": \"EMPTY\""`, `(?s)Invalid flow definition.*not valid JSON`},
		{`jsonencode({ type = "WEBHOOK" })`, `(?s)trigger: type "WEBHOOK" is not a trigger type`},
		{`jsonencode({ type = "EMPTY", nextAction = { name = "send", type = "PIECE", settings = { pieceName = "@activepieces/piece-slack" } } })`,
			`(?s)trigger > send: settings.actionName is required`},
		{`jsonencode({ type = "EMPTY", nextAction = { name = "a", type = "CODE", settings = { sourceCode = { code = "x" } }, nextAction = { name = "a", type = "CODE", settings = { sourceCode = { code = "x" } } } } })`,
			`(?s)trigger > a > a: step name "a" is already used`},
		{`jsonencode({ type = "EMPTY", nextAction = { name = "r", type = "ROUTER", settings = { branches = [{ branchName = "a", branchType = "FALLBACK" }] }, children = [null, null] } })`,
			`(?s)trigger > r: a ROUTER has at most one entry in children per branch`},
		// What the engine behind Diga refuses or would import as invalid.
		{`jsonencode({ type = "EMPTY", nextAction = { name = "notify-crm", type = "CODE", settings = { sourceCode = { code = "x" } } } })`,
			`(?s)trigger > notify-crm: step name "notify-crm" is not one the engine accepts`},
		{`jsonencode({ name = "start", type = "EMPTY" })`,
			`(?s)trigger: the trigger's name is always "trigger"`},
		{`jsonencode({ type = "EMPTY", nextAction = { name = "c", type = "CODE", settings = { input = {} } } })`,
			`(?s)trigger > c: a CODE step needs settings.sourceCode`},
		{`jsonencode({ type = "EMPTY", nextAction = { name = "r", type = "ROUTER", settings = { branches = [{ branchType = "CONDITION", conditions = [[{ firstValue = "{{trigger.duration}}", operator = "NUMBER_IS_GREATER_THAN", secondValue = 60 }]] }] } } })`,
			`(?s)settings.branches\[0\] needs a branchName.*conditions\[0\]\[0\].secondValue must be a string`},
		{`jsonencode({ type = "EMPTY", nextAction = { name = "l", type = "LOOP_ON_ITEMS", settings = { items = "{{trigger.messages}}" }, firstLoopAction = { name = "a", type = "CODE", settings = { sourceCode = { code = "x" } } }, children = [{ name = "b", type = "CODE", settings = { sourceCode = { code = "x" } } }] } })`,
			`(?s)trigger > l: give the loop body once, in firstLoopAction`},
	}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config:      definedFlowConfig(tg, "invalid", c.definition, ""),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(c.want),
		})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
	if tg.emu != nil {
		if reqs := tg.emu.Requests(); len(reqs) != 0 {
			t.Errorf("invalid definitions sent %d request(s) to the API", len(reqs))
		}
	}
}

// Definitions that Diga could store but not return — a number beyond a
// 64-bit float, steps nested deeper than the API can validate, a text
// larger than the provider reads back — fail at plan, naming the limit and
// the step, and nothing is sent.
func TestAccFlow_definitionLimitsRejectedAtPlan(t *testing.T) {
	tg := newAccTarget(t)
	dir := t.TempDir()
	writeDef := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("file(%q)", p)
	}
	var chain strings.Builder
	chain.WriteString(`{"type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","triggerName":"call_finished"},"nextAction":`)
	for i := 1; i <= 999; i++ {
		fmt.Fprintf(&chain, `{"name":"step_%d","type":"CODE","settings":{"sourceCode":{"code":"x"}},"nextAction":`, i)
	}
	chain.WriteString("null" + strings.Repeat("}", 1000))
	huge := `{"type":"EMPTY","settings":{"input":{"blob":"` + strings.Repeat("A", 2<<20) + `"}}}`

	cases := []struct{ definition, want string }{
		{`jsonencode({ type = "EMPTY", nextAction = { name = "calc", type = "CODE", settings = { input = { n = 1e400 } } } })`,
			`(?s)trigger > calc: settings\.input\.n: the number 1e\+400 is beyond the range of a.*64-bit float`},
		{`jsonencode({ type = "EMPTY", settings = { input = { n = -1e400 } } })`,
			`(?s)trigger: settings\.input\.n: the number -1e\+400 is beyond the range`},
		{writeDef("nan.json", `{"type":"EMPTY","settings":{"input":{"n":NaN}}}`),
			`(?s)The definition is not valid JSON.*NaN is not a JSON number`},
		{writeDef("deep.json", chain.String()),
			`(?s)trigger > step_1 > step_2 > step_3 > … 194 steps … > step_198 > step_199.*> step_200: the steps after this.*one nest more than 200 levels below the trigger.*MaxStepDepth`},
		{writeDef("huge.json", huge),
			`(?s)Flow definition too large.*The definition is 2\.0 MiB as compact JSON, more than the.*limit of 1\.0 MiB`},
		{`jsonencode(["trigger"])`,
			`(?s)The definition is not a JSON object \(the flow's trigger\) but an array\.`},
	}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config:      definedFlowConfig(tg, "limits", c.definition, ""),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(c.want),
		})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
	if tg.emu != nil {
		if reqs := tg.emu.Requests(); len(reqs) != 0 {
			t.Errorf("definitions over the limits sent %d request(s) to the API: %+v", len(reqs), reqs)
		}
	}
}

// Reformatting a definition loaded from a file (other key order, other
// whitespace) plans no change.
func TestAccFlow_reformattedDefinitionIsNoChange(t *testing.T) {
	tg := newAccTarget(t)
	name := tg.name(t, "reformat")
	compact := `{"type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","triggerName":"function_call","input":{"function_name":"f","description":"d","parameters":[]}},"nextAction":{"name":"code_1","type":"CODE","settings":{"input":{"a":1},"sourceCode":{"code":"export const code = async (inputs) => inputs.a"}}}}`
	spaced := `{
  "nextAction": {
    "settings": { "sourceCode": { "code": "export const code = async (inputs) => inputs.a" }, "input": { "a": 1.0 } },
    "type": "CODE", "name": "code_1"
  },
  "settings": { "triggerName": "function_call", "input": { "parameters": [], "description": "d", "function_name": "f" }, "pieceName": "@diga/piece-diga" },
  "type": "PIECE_TRIGGER"
}`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: definedFlowConfig(tg, name, fmt.Sprintf("%q", compact), ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(flowAddr, tfjsonpath.New("flow_category"), knownvalue.StringExact("during_call")),
				},
			},
			{
				Config: definedFlowConfig(tg, name, fmt.Sprintf("%q", spaced), ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// The same flow against both kinds of server: one that answers through
// Diga's documented response models (dropping keys those models lack, such
// as CODE sourceCode and loop items, and returning absent keys as null) and
// one looser than its contract that echoes every key and adds its own. Neither
// may cause a perpetual diff.
func TestAccFlow_strictResponseModelServer(t *testing.T) {
	testFlowAgainstServer(t, newAccTarget(t))
}

func TestAccFlow_lenientServerAddsKeys(t *testing.T) {
	testFlowAgainstServer(t, newAccTargetOffContract(t, emulator.WithLenientResponseModel()))
}

func testFlowAgainstServer(t *testing.T, tg *accTarget) {
	tg.emulatorOnly(t)
	name := tg.name(t, "models")
	def := `jsonencode({
    type     = "PIECE_TRIGGER"
    settings = { pieceName = "@diga/piece-diga", triggerName = "call_finished" }
    nextAction = {
      name     = "each_item"
      type     = "LOOP_ON_ITEMS"
      settings = { items = "{{trigger.items}}" }
      children = [{
        name     = "code_1"
        type     = "CODE"
        settings = { input = { item = "{{each_item.item}}" }, sourceCode = { code = "export const code = async () => 1", packageJson = "{}" } }
      }]
    }
  })`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{
			{Config: definedFlowConfig(tg, name, def, "  enabled = true")},
			{
				Config: definedFlowConfig(tg, name, def, "  enabled = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// An import block with -generate-config-out yields configuration whose plan
// is only the import.
func TestAccFlow_generatedConfigPlansClean(t *testing.T) {
	tg := newAccTarget(t)
	name := tg.name(t, "genconfig")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{
			{Config: definedFlowConfig(tg, name, postCallDefinition("generated"), "  enabled = true")},
			{
				ResourceName:    flowAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				GenerateConfig:  true,
			},
		},
	})
}
