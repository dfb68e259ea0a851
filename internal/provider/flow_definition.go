package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

// definitionValidator checks a definition at plan time, without calling
// Diga: JSON syntax, size, types, required piece settings, unique step
// names, routers and loops, nesting depth and number range. Each problem
// names the step it is about, and each limit is named.
type definitionValidator struct{}

func (definitionValidator) Description(context.Context) string {
	return "must be a JSON object that describes a valid Diga flow trigger and its steps"
}

func (v definitionValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (definitionValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	text := req.ConfigValue.ValueString()
	if err := flowdef.CheckSize(text); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Flow definition too large", upperFirst(err.Error())+".")
		return
	}
	def, err := flowdef.Parse(text)
	if err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid flow definition",
			fmt.Sprintf("The definition is %s. Write it with jsonencode({...}) or load a JSON file with file(...).", err))
		return
	}
	problems := flowdef.Validate(def)
	if len(problems) == 0 {
		return
	}
	lines := make([]string, 0, len(problems))
	for _, p := range problems {
		lines = append(lines, "  - "+p.String())
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid flow definition",
		fmt.Sprintf("The definition has %d problem(s), listed by step:\n%s", len(problems), strings.Join(lines, "\n")))
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// definitionPlanModifier keeps the prior definition in the plan when the
// configuration means the same flow (different key order, whitespace, keys
// Diga fills in), so such edits plan no change, and keeps following the
// server when the definition is not configured.
type definitionPlanModifier struct{}

func (definitionPlanModifier) Description(context.Context) string {
	return "plans no change when the configured definition means the same flow as the current one"
}

func (m definitionPlanModifier) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (definitionPlanModifier) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.StateValue.IsNull() || req.StateValue.IsUnknown() {
		return // create: the configured value, or unknown until Diga answers
	}
	if req.ConfigValue.IsNull() {
		resp.PlanValue = req.StateValue // not managed: follow what Diga holds
		return
	}
	if req.ConfigValue.IsUnknown() {
		return
	}
	cfg, err := flowdef.Parse(req.ConfigValue.ValueString())
	if err != nil {
		return
	}
	prior, err := flowdef.Parse(req.StateValue.ValueString())
	if err != nil {
		return
	}
	if flowdef.Equivalent(cfg, prior) {
		resp.PlanValue = req.StateValue
	}
}
