package provider

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

// This file holds what diga_flow does with template_id: the plan-time
// check of the template's inputs, the copy at creation, and when a change
// of template replaces the flow.

// checkTemplateInputs reads the template at plan time and reports every
// variable and connection it needs that the configuration does not give.
func (r *flowResource) checkTemplateInputs(ctx context.Context, plan flowModel, diags *diag.Diagnostics) {
	if r.data == nil || r.data.deferred() || plan.TemplateVariables.IsUnknown() || plan.TemplateConnections.IsUnknown() {
		return // checked by Diga at apply
	}
	t, err := r.data.client.GetTemplate(ctx, plan.TemplateID.ValueString())
	if client.IsNotFound(err) {
		diags.AddAttributeError(path.Root("template_id"), "Template not found",
			"Diga has no flow template with id "+plan.TemplateID.ValueString()+". List them with the diga_flow_templates data source.")
		return
	}
	if err != nil {
		tflog.Warn(ctx, "Could not read the flow template at plan time; Diga checks the variables at apply", map[string]any{"error": err.Error()})
		return
	}
	given := map[string]string{}
	if !plan.TemplateVariables.IsNull() {
		diags.Append(plan.TemplateVariables.ElementsAs(ctx, &given, false)...)
	}
	var missing []string
	for _, v := range t.Variables {
		if _, ok := given[v.Name]; !ok {
			missing = append(missing, v.Name)
		}
	}
	if len(missing) > 0 {
		diags.AddAttributeError(path.Root("template_variables"), "Missing template variables",
			fmt.Sprintf("Template %q (%s) needs values for: %s. Add them to template_variables.",
				t.Name, t.ID, strings.Join(missing, ", ")))
	}
	conns := map[string]string{}
	if !plan.TemplateConnections.IsNull() {
		diags.Append(plan.TemplateConnections.ElementsAs(ctx, &conns, false)...)
	}
	var missingConns []string
	for _, c := range t.Connections {
		if _, ok := conns[c.Key]; !ok {
			missingConns = append(missingConns, fmt.Sprintf("%s (%s)", c.Key, c.PieceName))
		}
	}
	if len(missingConns) > 0 {
		diags.AddAttributeWarning(path.Root("template_connections"), "Template connections not given",
			fmt.Sprintf("Template %q lists connections that template_connections does not give: %s. The flow's steps "+
				"that use them will not be valid until a connection is set up in Diga.", t.Name, strings.Join(missingConns, ", ")))
	}
}

// copyTemplate creates the flow from plan.TemplateID and reads it back; nil
// after an error diagnostic.
func (r *flowResource) copyTemplate(ctx context.Context, c *client.Client, plan flowModel, diags *diag.Diagnostics) *client.Flow {
	name := plan.Name.ValueString()
	req := &client.CopyTemplateRequest{FlowName: &name}
	if !plan.TemplateVariables.IsNull() {
		vars := map[string]string{}
		diags.Append(plan.TemplateVariables.ElementsAs(ctx, &vars, false)...)
		req.Variables = map[string]any{}
		for k, v := range vars {
			req.Variables[k] = v
		}
	}
	if !plan.TemplateConnections.IsNull() {
		conns := map[string]string{}
		diags.Append(plan.TemplateConnections.ElementsAs(ctx, &conns, false)...)
		for _, k := range slices.Sorted(maps.Keys(conns)) {
			req.Connections = append(req.Connections, client.TemplateConnectionValue{Key: k, Value: conns[k]})
		}
	}
	if diags.HasError() {
		return nil
	}
	res, err := c.CopyTemplate(ctx, plan.TemplateID.ValueString(), req)
	if errors.Is(err, client.ErrCopyOutcomeUnknown) {
		diags.AddError("Unable to create flow from template",
			fmt.Sprintf("The answer to copying template %s was lost, so Diga may or may not hold a new flow named %q. "+
				"Check the flows in Diga: import it with terraform import, or delete it and apply again. (%s)",
				plan.TemplateID.ValueString(), name, err))
		return nil
	}
	if err != nil {
		addAPIError(diags, "Unable to create flow from template", err, map[string]path.Path{
			"body.variables":   path.Root("template_variables"),
			"body.connections": path.Root("template_connections"),
			"body.flow_name":   path.Root("name"),
		})
		return nil
	}
	flow, err := c.GetFlow(ctx, res.FlowID)
	if err != nil {
		diags.AddError("Unable to read the flow created from the template",
			fmt.Sprintf("Diga created flow %s from template %s, but reading it back failed: %s. The flow exists in Diga; "+
				"import it with: terraform import <address> %s", res.FlowID, plan.TemplateID.ValueString(), err, res.FlowID))
		return nil
	}
	return flow
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
