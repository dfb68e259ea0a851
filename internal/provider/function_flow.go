package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

var _ function.Function = flowFunction{}

// flowFunction is provider::diga::flow(trigger, steps): a flow definition
// written as a trigger and a flat list of steps. The tree building is
// flowdef.FromSteps; this wrapper only converts Terraform values and
// errors.
//
// A function rather than a data source (the aws_iam_policy_document
// pattern): a data source schema has a fixed depth, and a router inside a
// branch inside a router needs any depth; a function takes any value,
// runs during validate without a configured provider or API key, keeps
// nothing in state, and Terraform points its errors at the argument
// written. The cost is Terraform ≥ 1.8 (OpenTofu ≥ 1.7).
type flowFunction struct{}

func newFlowFunction() function.Function { return flowFunction{} }

func (flowFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "flow"
}

func (flowFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "A flow definition from a trigger and a flat, ordered list of steps.",
		MarkdownDescription: "Builds the JSON text of a `diga_flow` `definition` from a trigger and a flat, ordered " +
			"list of steps, so that a long flow reads top to bottom instead of as nested `nextAction` objects. Each " +
			"step is a step object as Diga writes it (`name`, `type`, `displayName`, `settings`, …) without " +
			"`nextAction` and `children`; a router takes `branches`, one object per branch with its `branchName`, " +
			"`branchType`, `conditions` and its own `steps` list, and a loop takes `steps`, its body. `type` can be " +
			"left out when the step says what it is: `branches` make a `ROUTER`, `steps` a `LOOP_ON_ITEMS`, " +
			"`settings.actionName` a `PIECE` step, `settings.sourceCode` a `CODE` step; the trigger's type defaults " +
			"to `PIECE_TRIGGER` and its name to `trigger`, Diga's name for it. The result is the canonical JSON `jsonencode` would write for the same tree, so " +
			"it plans no change once applied, and a change made in the Diga UI shows as a change of one value. " +
			"Errors name the step and its position in the lists, such as `steps[2].branches[1].steps[0] " +
			"(\"open_ticket\")`. Needs Terraform 1.8 or later (OpenTofu 1.7 or later).",
		Parameters: []function.Parameter{
			function.DynamicParameter{
				Name: "trigger",
				MarkdownDescription: "The trigger: an object such as `{ displayName = \"Call finished\", settings = " +
					"{ pieceName = \"@diga/piece-diga\", triggerName = \"call_finished\", input = {} } }`, without `nextAction`.",
			},
			function.DynamicParameter{
				Name: "steps",
				MarkdownDescription: "The steps in the order they run: a list of step objects. Router branches " +
					"(`branches[*].steps`) and loop bodies (`steps`) are lists of the same kind.",
			},
		},
		Return: function.StringReturn{},
	}
}

func (flowFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var trigger, steps types.Dynamic
	if resp.Error = req.Arguments.Get(ctx, &trigger, &steps); resp.Error != nil {
		return
	}
	t, err := jsonValueOf(ctx, trigger)
	if err == nil {
		var s any
		if s, err = jsonValueOf(ctx, steps); err == nil {
			text, problems := flowdef.FromSteps(t, s)
			if len(problems) > 0 {
				resp.Error = listProblemsError(problems)
				return
			}
			resp.Error = resp.Result.Set(ctx, types.StringValue(text))
			return
		}
	}
	if errors.Is(err, errUnknownValue) {
		// Part of a step is known only at apply (say, a connection's
		// external_id): so is the definition.
		resp.Error = resp.Result.Set(ctx, types.StringUnknown())
		return
	}
	resp.Error = function.NewFuncError("Cannot read the arguments as JSON: " + err.Error())
}

// listProblemsError is one function error listing every problem, pointed
// at the trigger argument when any problem is about the trigger.
func listProblemsError(problems []flowdef.ListProblem) *function.FuncError {
	arg := int64(1)
	lines := make([]string, 0, len(problems))
	for _, p := range problems {
		if p.InTrigger {
			arg = 0
		}
		lines = append(lines, p.String())
	}
	if len(lines) == 1 {
		return function.NewArgumentFuncError(arg, "Invalid flow step list: "+lines[0])
	}
	return function.NewArgumentFuncError(arg, fmt.Sprintf("Invalid flow step list, %d problems:\n  - %s",
		len(lines), strings.Join(lines, "\n  - ")))
}
