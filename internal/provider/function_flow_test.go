package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

const triageAddr = "diga_flow.support_triage"

// exampleConfig reads an example file, for tests that run it as written.
func exampleConfig(t *testing.T, parts ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{"..", "..", "examples"}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// findStep returns the step named name anywhere in a trigger tree.
func findStep(tree map[string]any, name string) map[string]any {
	for s := tree; s != nil; s, _ = s["nextAction"].(map[string]any) {
		if s["name"] == name {
			return s
		}
		children, _ := s["children"].([]any)
		if body, ok := s["firstLoopAction"]; ok {
			children = append(append([]any{}, children...), body)
		}
		for _, c := range children {
			if m, ok := c.(map[string]any); ok {
				if found := findStep(m, name); found != nil {
					return found
				}
			}
		}
	}
	return nil
}

// countSteps counts the steps below a trigger.
func countSteps(first any) int {
	n := 0
	for s, _ := first.(map[string]any); s != nil; s, _ = s["nextAction"].(map[string]any) {
		n++
		children, _ := s["children"].([]any)
		for _, c := range children {
			n += countSteps(c)
		}
		n += countSteps(s["firstLoopAction"])
	}
	return n
}

func flowIDAt(s *terraform.State, addr string) (string, error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok {
		return "", fmt.Errorf("%s not in state", addr)
	}
	return rs.Primary.ID, nil
}

// jsonLeaves flattens a JSON value into path → canonical leaf text.
func jsonLeaves(prefix string, v any, out map[string]string) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			jsonLeaves(prefix+"."+k, x, out)
		}
	case []any:
		for i, x := range t {
			jsonLeaves(fmt.Sprintf("%s[%d]", prefix, i), x, out)
		}
	default:
		out[prefix] = flowdef.Canonical(v)
	}
}

// definitionDriftIs checks the planned change of definition: Terraform
// renders a JSON string's change value by value, so a drift diff is
// readable when the text in state and the configured text differ in
// exactly the values that changed. want lists those values' paths.
type definitionDriftIs struct {
	addr string
	want []string
}

func (c definitionDriftIs) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.addr {
			continue
		}
		before, _ := rc.Change.Before.(map[string]any)["definition"].(string)
		after, _ := rc.Change.After.(map[string]any)["definition"].(string)
		var b, a any
		if err := json.Unmarshal([]byte(before), &b); err != nil {
			resp.Error = fmt.Errorf("definition in state is not JSON: %w", err)
			return
		}
		if err := json.Unmarshal([]byte(after), &a); err != nil {
			resp.Error = fmt.Errorf("planned definition is not JSON: %w", err)
			return
		}
		bl, al := map[string]string{}, map[string]string{}
		jsonLeaves("", b, bl)
		jsonLeaves("", a, al)
		var diff []string
		for k, v := range al {
			if bl[k] != v {
				diff = append(diff, k)
			}
		}
		for k := range bl {
			if _, ok := al[k]; !ok {
				diff = append(diff, k)
			}
		}
		if strings.Join(sortedCopy(diff), " ") != strings.Join(sortedCopy(c.want), " ") {
			resp.Error = fmt.Errorf("the planned definition change touches %v, want only %v", diff, c.want)
		}
		return
	}
	resp.Error = fmt.Errorf("%s has no planned change", c.addr)
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// The function's example — 15 steps, two routers, a loop — applies as
// the tree it stands for, plans clean afterwards, shows a UI edit as a
// change of that one value, and the next apply restores it.
func TestAccFunctionFlow_fifteenStepExample(t *testing.T) {
	// The example's empty router branch is a null item of children, which
	// the contract's StepResponse cannot express (see the emulator's
	// "Known deviation"): only the provider's requests are checked.
	tg := newAccTargetOffContract(t)
	tg.emulatorOnly(t)
	cfg := tg.providerBlock() + exampleConfig(t, "functions", "flow", "function.tf") + `
output "diagram" {
  value = provider::diga::mermaid(diga_flow.support_triage.definition)
}
`
	fixture, diagram := fifteenStepFixture(t)
	var id string
	const pageText = "Urgent ticket {{open_ticket.body.id}}"
	editPage := func(text string) func(map[string]any) {
		return func(tree map[string]any) {
			findStep(tree, "page_oncall")["settings"].(map[string]any)["input"].(map[string]any)["text"] = text
		}
	}
	checkTree := func(wantText string) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			var err error
			if id, err = flowIDAt(s, triageAddr); err != nil {
				return err
			}
			f, ok := tg.emu.Flow(tg.apiKey, id)
			if !ok {
				return fmt.Errorf("flow %s not in the emulator", id)
			}
			if n := countSteps(f.Trigger["nextAction"]); n != 15 {
				return fmt.Errorf("the draft has %d steps, want 15", n)
			}
			router := findStep(f.Trigger, "by_intent")
			if router["type"] != "ROUTER" || len(router["children"].([]any)) != 3 {
				return fmt.Errorf("by_intent = %v, want a ROUTER with 3 branches", router)
			}
			inner := findStep(f.Trigger, "by_priority")["children"].([]any)
			if len(inner) != 2 || inner[1] != nil {
				return fmt.Errorf("by_priority children = %v, want page_oncall and an empty branch", inner)
			}
			if next := router["nextAction"].(map[string]any)["name"]; next != "each_followup" {
				return fmt.Errorf("the step after the router is %v, want each_followup", next)
			}
			got := findStep(f.Trigger, "page_oncall")["settings"].(map[string]any)["input"].(map[string]any)["text"]
			if got != wantText {
				return fmt.Errorf("page_oncall text = %v, want %q", got, wantText)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{
			{
				// The harness plans again after the apply: it must be empty.
				Config: cfg,
				Check:  checkTree(pageText),
				ConfigStateChecks: []statecheck.StateCheck{
					// The HCL example and flowdef's JSON fixture are the
					// same flow, and the docs draw that fixture.
					statecheck.ExpectKnownValue(triageAddr, tfjsonpath.New("definition"), knownvalue.StringExact(fixture)),
					statecheck.ExpectKnownOutputValue("diagram", knownvalue.StringExact(diagram)),
				},
			},
			{
				PreConfig: func() { tg.emu.EditFlow(tg.apiKey, id, editPage("edited in the UI")) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(triageAddr, plancheck.ResourceActionUpdate),
						definitionDriftIs{addr: triageAddr, want: []string{
							".nextAction.nextAction.nextAction.children[1].nextAction.children[0].settings.input.text",
						}},
					},
				},
				Check: checkTree(pageText),
			},
		},
	})
}

// A bad step deep in a branch is reported at plan by its list position
// and name, and nothing is sent.
func TestAccFunctionFlow_errorNamesListPosition(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	cfg := tg.providerBlock() + strings.Replace(exampleConfig(t, "functions", "flow", "function.tf"),
		`settings = { pieceName = "@activepieces/piece-http", actionName = "send_request", input = { method = "POST", url = "https://helpdesk.example.com/tickets", headers = {}, queryParams = {}, authType = "NONE" } }`,
		`settings = { pieceName = "@activepieces/piece-http", input = { method = "POST", url = "https://helpdesk.example.com/tickets" } }
                type     = "PIECE"`, 1)
	if !strings.Contains(cfg, `type     = "PIECE"`) {
		t.Fatal("the example no longer has the step this test breaks")
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		Steps: []resource.TestStep{{
			Config:      cfg,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)steps\[2\]\.branches\[1\]\.steps\[0\]\s+\("open_ticket"\):\s+settings\.actionName\s+is\s+required`),
		}},
	})
	if n := tg.emu.WriteCount(tg.apiKey); n != 0 {
		t.Errorf("a plan-time error still sent %d write(s)", n)
	}
}

func runFlowFunction(t *testing.T, trigger, steps attr.Value) (types.String, *function.FuncError) {
	t.Helper()
	ctx := context.Background()
	resp := &function.RunResponse{Result: function.NewResultData(types.StringUnknown())}
	newFlowFunction().Run(ctx, function.RunRequest{Arguments: function.NewArgumentsData([]attr.Value{
		types.DynamicValue(trigger), types.DynamicValue(steps),
	})}, resp)
	s, _ := resp.Result.Value().(types.String)
	return s, resp.Error
}

func TestFlowFunction_valuesUnknownAndErrors(t *testing.T) {
	t.Parallel()
	str := types.StringValue
	obj := func(attrs map[string]attr.Value) types.Object {
		typs := map[string]attr.Type{}
		for k, v := range attrs {
			typs[k] = v.Type(context.Background())
		}
		return types.ObjectValueMust(typs, attrs)
	}
	tuple := func(elems ...attr.Value) types.Tuple {
		typs := make([]attr.Type, len(elems))
		for i, e := range elems {
			typs[i] = e.Type(context.Background())
		}
		return types.TupleValueMust(typs, elems)
	}
	trigger := obj(map[string]attr.Value{"settings": obj(map[string]attr.Value{
		"pieceName": str("@diga/piece-diga"), "triggerName": str("call_finished")})})
	step := func(text attr.Value) types.Object {
		return obj(map[string]attr.Value{"name": str("post"), "settings": obj(map[string]attr.Value{
			"pieceName": str("@activepieces/piece-slack"), "actionName": str("send_channel_message"),
			"input": obj(map[string]attr.Value{"text": text, "n": types.NumberValue(big.NewFloat(0.5))}),
		})})
	}

	got, ferr := runFlowFunction(t, trigger, tuple(step(str("hi"))))
	if ferr != nil {
		t.Fatal(ferr)
	}
	want := `{"name":"trigger","nextAction":{"name":"post","settings":{"actionName":"send_channel_message","input":{"n":0.5,"text":"hi"},"pieceName":"@activepieces/piece-slack"},"type":"PIECE"},"settings":{"pieceName":"@diga/piece-diga","triggerName":"call_finished"},"type":"PIECE_TRIGGER"}`
	if got.ValueString() != want {
		t.Errorf("flow() =\n%s\nwant\n%s", got.ValueString(), want)
	}

	// A value known only at apply deep inside a step: the definition is too.
	got, ferr = runFlowFunction(t, trigger, tuple(step(types.StringUnknown())))
	if ferr != nil || !got.IsUnknown() {
		t.Errorf("flow() with a nested unknown = %v, %v; want unknown, no error", got, ferr)
	}

	// A problem of the trigger points at argument 0, of a step at 1.
	_, ferr = runFlowFunction(t, str("call_finished"), tuple())
	if ferr == nil || ferr.FunctionArgument == nil || *ferr.FunctionArgument != 0 || !strings.Contains(ferr.Text, "trigger: the trigger must be an object") {
		t.Errorf("bad trigger: %+v", ferr)
	}
	_, ferr = runFlowFunction(t, trigger, tuple(obj(map[string]attr.Value{"type": str("PIECE")})))
	if ferr == nil || ferr.FunctionArgument == nil || *ferr.FunctionArgument != 1 || !strings.Contains(ferr.Text, "steps[0]: every step needs a name") {
		t.Errorf("bad step: %+v", ferr)
	}
}
