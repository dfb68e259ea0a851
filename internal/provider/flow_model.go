package provider

import (
	"context"
	"reflect"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

// flowModel maps the diga_flow schema.
type flowModel struct {
	ID                  types.String    `tfsdk:"id"`
	Name                types.String    `tfsdk:"name"`
	Definition          definitionValue `tfsdk:"definition"`
	Publish             types.Bool      `tfsdk:"publish"`
	Enabled             types.Bool      `tfsdk:"enabled"`
	TestBeforePublish   types.Bool      `tfsdk:"test_before_publish"`
	PublishedHash       types.String    `tfsdk:"published_hash"`
	Status              types.String    `tfsdk:"status"`
	FlowCategory        types.String    `tfsdk:"flow_category"`
	Created             types.String    `tfsdk:"created"`
	Updated             types.String    `tfsdk:"updated"`
	ProducedVariables   types.List      `tfsdk:"produced_variables"`
	ConsumedVariables   types.List      `tfsdk:"consumed_variables"`
	TemplateID          types.String    `tfsdk:"template_id"`
	TemplateVariables   types.Map       `tfsdk:"template_variables"`
	TemplateConnections types.Map       `tfsdk:"template_connections"`
	// TemplateConnectionsWO is write-only: it is only ever in the
	// configuration, null in plan and state.
	TemplateConnectionsWO        types.Map      `tfsdk:"template_connections_wo"`
	TemplateConnectionsWOVersion types.String   `tfsdk:"template_connections_wo_version"`
	Timeouts                     timeouts.Value `tfsdk:"timeouts"`
}

// timeoutsAttrTypes is the object type of the timeouts block.
var timeoutsAttrTypes = map[string]attr.Type{
	"create": types.StringType, "update": types.StringType, "delete": types.StringType,
}

// emptyFlowModel is a model with every attribute null, typed.
func emptyFlowModel() flowModel {
	return flowModel{
		Definition:                   definitionNull(),
		Publish:                      types.BoolNull(),
		Enabled:                      types.BoolNull(),
		TestBeforePublish:            types.BoolNull(),
		PublishedHash:                types.StringNull(),
		ProducedVariables:            types.ListNull(types.StringType),
		ConsumedVariables:            types.ListNull(types.StringType),
		TemplateID:                   types.StringNull(),
		TemplateVariables:            types.MapNull(types.StringType),
		TemplateConnections:          types.MapNull(types.StringType),
		TemplateConnectionsWO:        types.MapNull(types.StringType),
		TemplateConnectionsWOVersion: types.StringNull(),
		Timeouts:                     timeouts.Value{Object: types.ObjectNull(timeoutsAttrTypes)},
	}
}

// fromFlow copies the server-computed fields of an answer into the model.
// Optional fields the answer omits (rename examples in Diga's docs carry no
// status or category) keep their prior value rather than being wiped.
func (m *flowModel) fromFlow(ctx context.Context, f *client.Flow) diag.Diagnostics {
	var diags diag.Diagnostics
	m.ID = types.StringValue(f.ID)
	if f.Status != nil {
		m.Status = types.StringValue(string(*f.Status))
	} else if m.Status.IsUnknown() {
		m.Status = types.StringNull()
	}
	if f.FlowCategory != nil {
		m.FlowCategory = types.StringValue(string(*f.FlowCategory))
	} else if m.FlowCategory.IsUnknown() {
		m.FlowCategory = types.StringNull()
	}
	m.Created = timeValue(f.Created)
	m.Updated = timeValue(f.Updated)
	m.ProducedVariables = mergeList(ctx, m.ProducedVariables, f.ProducedVariables, &diags)
	m.ConsumedVariables = mergeList(ctx, m.ConsumedVariables, f.ConsumedVariables, &diags)
	return diags
}

// readFlow refreshes the model from a flow Diga returned. A model without
// `publish` comes from an import (or a listing): such a flow is taken as
// published as it stands, so the first plan after an import changes nothing
// and the next change of name or definition publishes.
func (m *flowModel) readFlow(ctx context.Context, flow *client.Flow) diag.Diagnostics {
	imported := m.Publish.IsNull()
	diags := m.fromFlow(ctx, flow)
	m.Name = types.StringPointerValue(flow.Name)
	m.Definition = definitionFromServer(flow, m.Definition)
	if flow.Status != nil {
		m.Enabled = types.BoolValue(*flow.Status == client.FlowStatusEnabled)
	}
	if imported {
		m.Publish = types.BoolValue(true)
		m.TestBeforePublish = types.BoolValue(false)
		if m.Enabled.IsNull() {
			m.Enabled = types.BoolValue(false)
		}
		if def, err := m.Definition.Definition(); err == nil && def != nil && def.Publishable() {
			m.PublishedHash = types.StringValue(def.Fingerprint(m.Name.ValueString()))
		}
	}
	if m.Timeouts.IsNull() || m.Timeouts.IsUnknown() {
		m.Timeouts = timeouts.Value{Object: types.ObjectNull(timeoutsAttrTypes)}
	}
	return diags
}

// definitionFromServer returns the state value for the definition Diga
// holds in flow (see stateDefinition); the prior value when the answer
// holds none, or one that cannot be read.
func definitionFromServer(flow *client.Flow, prior definitionValue) definitionValue {
	server, err := flowdef.FromServer(flow.RawTrigger)
	if err != nil {
		return prior
	}
	return stateDefinition(server, prior)
}

// stateDefinition returns the state value for server, the definition Diga
// holds: the prior value when it means the same flow (so the user's text is
// kept), otherwise the server's definition without bookkeeping and without
// keys the prior value never had, so the plan shows just what changed.
func stateDefinition(server *flowdef.Definition, prior definitionValue) definitionValue {
	if server == nil {
		return prior
	}
	ref, err := prior.Definition()
	if err != nil {
		ref = nil
	}
	return definitionOf(ref.StateDefinition(server))
}

func timeValue(t time.Time) types.String {
	if t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339Nano))
}

// mergeList returns the answer's list when the field was present (nil means
// absent), otherwise the prior value, or an empty list when there was none.
func mergeList(ctx context.Context, prior types.List, got []string, diags *diag.Diagnostics) types.List {
	if got == nil {
		if prior.IsUnknown() || prior.IsNull() {
			return types.ListValueMust(types.StringType, []attr.Value{})
		}
		return prior
	}
	v, d := types.ListValueFrom(ctx, types.StringType, got)
	diags.Append(d...)
	if d.HasError() {
		return types.ListNull(types.StringType)
	}
	return v
}

// sameAs reports whether every attribute of m equals o's. ModifyPlan and
// Read use it to skip writing back a model that did not change: the
// response already holds the request's values, and a Set of the whole model
// is about half of those methods' CPU time.
func (m flowModel) sameAs(o flowModel) bool {
	a, b := reflect.ValueOf(m), reflect.ValueOf(o)
	for i := range a.NumField() {
		if !a.Field(i).Interface().(attr.Value).Equal(b.Field(i).Interface().(attr.Value)) {
			return false
		}
	}
	return true
}
