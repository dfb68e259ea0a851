package provider

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

// fifteenStepFixture returns flowdef's 15-step fixture as the flow
// function builds it, and its diagram as checked in (the golden file the
// docs embed).
func fifteenStepFixture(t *testing.T) (definition, diagram string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "flowdef", "testdata", "fifteen_steps.json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var in map[string]any
	if err := dec.Decode(&in); err != nil {
		t.Fatal(err)
	}
	text, problems := flowdef.FromSteps(in["trigger"], in["steps"])
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	mmd, err := os.ReadFile(filepath.Join("..", "flowdef", "testdata", "fifteen_steps.mmd"))
	if err != nil {
		t.Fatal(err)
	}
	return text, string(mmd)
}

// The mermaid function's page shows the diagram the function draws for
// the flow function's example.
func TestMermaidDocsShowTheRenderedExample(t *testing.T) {
	t.Parallel()
	definition, diagram := fifteenStepFixture(t)
	def, err := flowdef.ParseDefinition(definition)
	if err != nil {
		t.Fatal(err)
	}
	if def.Mermaid() != diagram {
		t.Fatal("the golden diagram is stale: go test ./internal/flowdef -run Mermaid -update")
	}
	page, err := os.ReadFile(filepath.Join("..", "..", "docs", "functions", "mermaid.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "```mermaid\n"+diagram) {
		t.Error("docs/functions/mermaid.md does not show the example's diagram: run make docs")
	}
}

func TestMermaidFunction(t *testing.T) {
	t.Parallel()
	run := func(text string) (string, *function.FuncError) {
		resp := &function.RunResponse{Result: function.NewResultData(types.StringUnknown())}
		newMermaidFunction().Run(context.Background(), function.RunRequest{
			Arguments: function.NewArgumentsData([]attr.Value{types.StringValue(text)}),
		}, resp)
		s, _ := resp.Result.Value().(types.String)
		return s.ValueString(), resp.Error
	}
	got, ferr := run(`{"type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","triggerName":"pre_call"}}`)
	if ferr != nil || got != "flowchart TD\n  trigger([\"pre_call<br/>diga · pre_call\"])\n" {
		t.Errorf("mermaid() = %q, %v", got, ferr)
	}
	_, ferr = run(`[1]`)
	if ferr == nil || ferr.FunctionArgument == nil || *ferr.FunctionArgument != 0 || !strings.Contains(ferr.Text, "not a JSON object") {
		t.Errorf("mermaid of an array: %+v", ferr)
	}
	// A step name the engine refuses is named, with the rule.
	_, ferr = run(`{"type":"EMPTY","nextAction":{"name":"l","type":"LOOP_ON_ITEMS","settings":{"items":"x"},
	  "firstLoopAction":{"name":"notify-crm","type":"CODE","settings":{"sourceCode":{"code":"x"}}}}}`)
	if ferr == nil || !strings.Contains(ferr.Text, `trigger > l.firstLoopAction > notify-crm: step name "notify-crm" is not one the engine accepts`) {
		t.Errorf("mermaid of a bad step name: %+v", ferr)
	}
}
