package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

// Validators and patterns shared by several resources and data sources.

// uuidPattern matches a UUID as Diga's template ids are.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// minDuration checks that a Go duration is positive and at least minimum; why,
// when not empty, follows "shorter than the minimum of …" in the message.
// It is meant for a timetypes.GoDurationType attribute: that type already
// rejects text that is not a Go duration (then this validator does not run).
func minDuration(minimum time.Duration, why string) validator.String {
	return minDurationValidator{min: minimum, why: why}
}

type minDurationValidator struct {
	min time.Duration
	why string
}

func (v minDurationValidator) Description(context.Context) string {
	return fmt.Sprintf("must be a duration of at least %s, such as \"30s\" or \"2m\"", v.min)
}

func (v minDurationValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v minDurationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	raw := req.ConfigValue.ValueString()
	d, err := time.ParseDuration(raw)
	switch {
	case err != nil:
		// The attribute's type reports it.
	case d <= 0:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%s = %q is not a positive duration: write it like \"30s\", \"90s\" or \"2m\".", req.Path, raw))
	case d < v.min:
		resp.Diagnostics.AddAttributeError(req.Path, "Duration too short",
			fmt.Sprintf("%s = %q is shorter than the minimum of %s%s", req.Path, raw, v.min, v.why))
	}
}

// jsonObjectValidator checks a string holds one JSON object.
type jsonObjectValidator struct{}

func (jsonObjectValidator) Description(context.Context) string { return "must be a JSON object" }
func (v jsonObjectValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (jsonObjectValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(req.ConfigValue.ValueString()), &obj); err != nil || obj == nil {
		// The value is secret: never repeat it.
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid connection value",
			"value_wo must be a JSON object, for example jsonencode({ secret_text = var.token }).")
	}
}

// pathSegmentValidator checks a value the client sends as one URL path
// segment (a flow id, run id or piece name) at validate and plan time,
// where the configuration shows it: not empty, not "." and not "..", the
// rule client.CheckPathSegment holds (and the client enforces again before
// sending). kind names the value in the message.
type pathSegmentValidator struct{ kind string }

func (v pathSegmentValidator) Description(context.Context) string {
	return "must not be empty, \".\" or \"..\" (it is sent as one URL path segment)"
}

func (v pathSegmentValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v pathSegmentValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := client.CheckPathSegment(v.kind, req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+v.kind, fmt.Sprintf("%s: %s.", req.Path, err))
	}
}

// stepNameValidator checks a step_name outside a definition (diga_step_test,
// diga_flow_sample_data) against the engine's rule: a name no step can have
// is refused before anything is sent, and with it every name that could
// not be one URL path segment ("", ".", "..", "a/b").
type stepNameValidator struct{}

func (stepNameValidator) Description(context.Context) string {
	return "must be a step name: a letter or underscore, then letters, digits and underscores (e.g. step_1, trigger)"
}

func (v stepNameValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (stepNameValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if name := req.ConfigValue.ValueString(); !flowdef.ValidStepName(name) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid step name",
			fmt.Sprintf("%s = %q is not a step name. Step names are the `name` of a step in the flow's definition "+
				"(not its display name): a letter or underscore, then letters, digits and underscores, such as "+
				"step_1, or the trigger's name, usually trigger.", req.Path, name))
	}
}
