package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

// This file holds what diga_flow does with template_id: the plan-time
// check of the template's inputs, which connections the copy sends, and
// when a change of template replaces the flow. The copy itself, a write,
// is flowApply.copyTemplate (flow_apply.go).

// checkTemplateInputs reads the template at plan time and reports every
// variable and connection it needs that the configuration does not give.
// It judges keys only: a map's keys are known at plan even when its values
// come from resources not created yet. A map that is unknown as a whole is
// left to Diga at apply.
func (r *flowResource) checkTemplateInputs(ctx context.Context, plan flowModel, connsAttr path.Path, connections types.Map, diags *diag.Diagnostics) {
	if r.data == nil || r.data.deferred() {
		return // checked by Diga at apply
	}
	vars, varsKnown := givenKeys(plan.TemplateVariables)
	conns, connsKnown := givenKeys(connections)
	if !varsKnown && !connsKnown {
		return
	}
	t, err := r.data.apiClient(diags).GetTemplate(ctx, plan.TemplateID.ValueString())
	if client.IsNotFound(err) {
		diags.AddAttributeError(path.Root("template_id"), "Template not found",
			"Diga has no flow template with id "+plan.TemplateID.ValueString()+". List them with the diga_flow_templates data source.")
		return
	}
	if err != nil {
		tflog.Warn(ctx, "Could not read the flow template at plan time; Diga checks the variables at apply", map[string]any{"error": err.Error()})
		return
	}
	if varsKnown {
		var missing []string
		for _, v := range t.Variables {
			if !vars[v.Name] {
				missing = append(missing, v.Name)
			}
		}
		if len(missing) > 0 {
			diags.AddAttributeError(path.Root("template_variables"), "Missing template variables",
				fmt.Sprintf("Template %q (%s) needs values for: %s. Add them to template_variables.",
					t.Name, t.ID, strings.Join(missing, ", ")))
		}
	}
	if connsKnown {
		var missingConns []string
		for _, c := range t.Connections {
			if !conns[c.Key] {
				missingConns = append(missingConns, fmt.Sprintf("%s (%s)", c.Key, c.PieceName))
			}
		}
		if len(missingConns) > 0 {
			diags.AddAttributeWarning(connsAttr, "Template connections not given",
				fmt.Sprintf("Template %q lists connections that %s does not give: %s. The flow's steps "+
					"that use them will not be valid until a connection is set up in Diga.", t.Name, connsAttr, strings.Join(missingConns, ", ")))
		}
	}
}

// templateConnectionsOf returns the attribute that gives the template's
// connections and its value: template_connections_wo from the
// configuration (write-only values are never in the plan) when it is set,
// template_connections otherwise.
func templateConnectionsOf(ctx context.Context, plan flowModel, config tfsdk.Config, diags *diag.Diagnostics) (path.Path, types.Map) {
	wo := types.MapNull(types.StringType)
	diags.Append(config.GetAttribute(ctx, path.Root("template_connections_wo"), &wo)...)
	if !wo.IsNull() {
		return path.Root("template_connections_wo"), wo
	}
	return path.Root("template_connections"), plan.TemplateConnections
}

// givenKeys returns the keys of a map of strings whose value is given: not
// null (a value still unknown counts as given). known is false when the
// map itself is unknown, so nothing can be said about its keys.
func givenKeys(m types.Map) (keys map[string]bool, known bool) {
	if m.IsUnknown() {
		return nil, false
	}
	keys = map[string]bool{}
	for k, v := range m.Elements() {
		if !v.IsNull() {
			keys[k] = true
		}
	}
	return keys, true
}

// stringElements returns the known, non-null values of a map of strings.
// At apply every value is known; a null one is left out, as if not given.
func stringElements(m types.Map) map[string]string {
	out := map[string]string{}
	for k, v := range m.Elements() {
		if s, ok := v.(types.String); ok && !s.IsNull() && !s.IsUnknown() {
			out[k] = s.ValueString()
		}
	}
	return out
}

// templateChanged replaces the flow only when one template is swapped for
// another; adding or removing template_id on an existing flow does not.
func templateChanged(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
	resp.RequiresReplace = !req.StateValue.IsNull() && !req.PlanValue.IsNull() && !req.StateValue.Equal(req.PlanValue)
}

// templateInputChanged replaces a flow made from a template when the inputs
// of the copy change while the template stays.
func templateInputChanged(ctx context.Context, req planmodifier.MapRequest, resp *mapplanmodifier.RequiresReplaceIfFuncResponse) {
	var stateTemplate, planTemplate types.String
	req.State.GetAttribute(ctx, path.Root("template_id"), &stateTemplate)
	req.Plan.GetAttribute(ctx, path.Root("template_id"), &planTemplate)
	resp.RequiresReplace = !stateTemplate.IsNull() && stateTemplate.Equal(planTemplate) && !req.StateValue.Equal(req.PlanValue)
}

// templateVersionChanged replaces a flow made from a template when
// template_connections_wo_version changes while the template stays: the
// connections are only sent when the flow is created.
func templateVersionChanged(ctx context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
	var stateTemplate, planTemplate types.String
	req.State.GetAttribute(ctx, path.Root("template_id"), &stateTemplate)
	req.Plan.GetAttribute(ctx, path.Root("template_id"), &planTemplate)
	resp.RequiresReplace = !stateTemplate.IsNull() && stateTemplate.Equal(planTemplate) && !req.StateValue.Equal(req.PlanValue)
}
