package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

// The actions diga_flow_test and diga_step_test (Terraform ≥ 1.14): run
// Diga's tests on demand (terraform apply -invoke=action.<type>.<name>) or
// from a resource's lifecycle action_trigger. Both test the draft, stream
// progress and fail with step-level detail.

var (
	_ action.ActionWithConfigure = &flowTestAction{}
	_ action.ActionWithConfigure = &stepTestAction{}
)

// actionBase carries the provider data of an action.
type actionBase struct {
	data *providerData
}

func (a *actionBase) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}

// maxProgressOutput caps how much of a step's output one progress message
// shows.
const maxProgressOutput = 2000

func clip(raw []byte) string {
	s := string(raw)
	if len(s) > maxProgressOutput {
		return s[:maxProgressOutput] + fmt.Sprintf("… (%d bytes in all)", len(raw))
	}
	return s
}

type flowTestAction struct{ actionBase }

func newFlowTestAction() action.Action { return &flowTestAction{} }

type flowTestModel struct {
	FlowID types.String `tfsdk:"flow_id"`
}

func (a *flowTestAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_flow_test"
}

func (a *flowTestAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Runs Diga's full-flow test on a flow's draft (its steps really run, on the stored sample " +
			"data) and fails when the run does not succeed, naming each failing step and Diga's error message. " +
			"Progress is streamed while Diga runs the test (up to about two minutes). Needs Terraform 1.14 or later. " +
			"Every invocation creates a run; after a lost answer the test is not re-sent.",
		Attributes: map[string]schema.Attribute{
			"flow_id": schema.StringAttribute{
				MarkdownDescription: "ID of the flow to test, e.g. `diga_flow.example.id`.",
				Required:            true,
				Validators:          []validator.String{pathSegmentValidator{kind: "flow id"}},
			},
		},
	}
}

func (a *flowTestAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m flowTestModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	c := a.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id := m.FlowID.ValueString()
	progress(resp, "Testing flow %s on Diga (Diga answers when the run ends, up to about 2 minutes)…", id)
	res, err := c.TestFlow(ctx, id)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to test flow", err, map[string]path.Path{})
		return
	}
	for _, s := range res.Steps {
		line := fmt.Sprintf("step %s: %s", s.Name, orUnknown(s.Status))
		if s.ErrorMessage != "" {
			line += ": " + s.ErrorMessage
		}
		progress(resp, "%s", line)
	}
	if res.Status != client.RunSucceeded {
		resp.Diagnostics.AddAttributeError(path.Root("flow_id"), "Flow test failed",
			describeFailedRun(id, res.RunID, string(res.Status), failingSteps(ctx, c, res))+
				"\n\nFix the failing step in the flow's definition (or its sample data) and test again.")
		return
	}
	progress(resp, "Flow %s passed its test (run %s, %s).", id, res.RunID, durationText(res.Duration))
}

type stepTestAction struct{ actionBase }

func newStepTestAction() action.Action { return &stepTestAction{} }

type stepTestModel struct {
	FlowID   types.String `tfsdk:"flow_id"`
	StepName types.String `tfsdk:"step_name"`
}

func (a *stepTestAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_step_test"
}

func (a *stepTestAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Tests one step of a flow's draft: an action step runs in isolation on the sample data of " +
			"the steps before it (and stores its own output as sample data); the trigger is tested with Diga's " +
			"trigger test and reports the sample events it produces. Fails with the step's standard error when the " +
			"test does not succeed. Needs Terraform 1.14 or later. The step really runs; after a lost answer the " +
			"test is not re-sent.",
		Attributes: map[string]schema.Attribute{
			"flow_id": schema.StringAttribute{
				MarkdownDescription: "ID of the flow, e.g. `diga_flow.example.id`.",
				Required:            true,
				Validators:          []validator.String{pathSegmentValidator{kind: "flow id"}},
			},
			"step_name": schema.StringAttribute{
				MarkdownDescription: "Name of the step in the definition (`name`, e.g. `step_1`); the trigger's name " +
					"(usually `trigger`) tests the trigger.",
				Required:   true,
				Validators: []validator.String{stepNameValidator{}},
			},
		},
	}
}

func (a *stepTestAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m stepTestModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	c := a.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id, step := m.FlowID.ValueString(), m.StepName.ValueString()
	flow, err := c.GetFlow(ctx, id)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to read flow", err, map[string]path.Path{})
		return
	}
	stepPaths := map[string]path.Path{"path.step_name": path.Root("step_name")}
	if triggerName(flow.RawTrigger) == step {
		progress(resp, "Testing the trigger %q of flow %s…", step, id)
		events, err := c.TestTrigger(ctx, id)
		if err != nil {
			addAPIError(&resp.Diagnostics, "Trigger test failed", err, stepPaths)
			return
		}
		for i, ev := range events {
			progress(resp, "event %d: %s", i+1, clip(ev))
		}
		if len(events) == 0 {
			resp.Diagnostics.AddAttributeWarning(path.Root("step_name"), "Trigger produced no sample event",
				"Diga's trigger test of flow "+id+" returned no events. For triggers that cannot produce samples "+
					"(the Diga function-call trigger), store sample data with diga_flow_sample_data.")
		}
		progress(resp, "Trigger %q of flow %s passed its test (%d sample events).", step, id, len(events))
		return
	}
	progress(resp, "Testing step %q of flow %s (Diga answers when the step ends, up to about 90 s)…", step, id)
	res, err := c.TestStep(ctx, id, step)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to test step", err, stepPaths)
		return
	}
	if res.StandardOutput != "" {
		progress(resp, "standard output: %s", clip([]byte(res.StandardOutput)))
	}
	if res.Output != nil {
		progress(resp, "output: %s", clip(res.Output))
	}
	if !res.Success {
		msg := res.StandardError
		if msg == "" {
			msg = "(Diga gave no standard error)"
		}
		resp.Diagnostics.AddAttributeError(path.Root("step_name"), "Step test failed",
			fmt.Sprintf("Step %q of flow %s failed its test: %s\n\nFix the step's settings in the flow's definition, or "+
				"the sample data of the steps before it, and test again.", step, id, msg))
		return
	}
	progress(resp, "Step %q of flow %s passed its test.", step, id)
}

// triggerName is the name of the trigger in a flow's raw trigger tree.
func triggerName(raw json.RawMessage) string {
	var t struct {
		Name string `json:"name"`
	}
	_ = json.Unmarshal(raw, &t)
	return t.Name
}

func progress(resp *action.InvokeResponse, format string, args ...any) {
	if resp.SendProgress != nil {
		resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf(format, args...)})
	}
}

func orUnknown(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(no status)"
	}
	return s
}

func durationText(ms *int64) string {
	if ms == nil {
		return "duration not reported"
	}
	return fmt.Sprintf("%d ms", *ms)
}
