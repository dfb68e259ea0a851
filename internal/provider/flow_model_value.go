package provider

import (
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Reading a whole diga_flow plan, state or configuration into a flowModel,
// and back, without the framework's reflection.
//
// req.Plan.Get / resp.State.Set walk the model's struct tags with reflection
// on every call (and the framework compiles a regular expression per field
// while doing it); the benchmark's profile (BENCHMARKS.md) put that at a
// sixth to a quarter of the provider's CPU in a plan or apply of many
// flows. flowFields lists each attribute once with its type and its field,
// and the conversion asks each type and value to convert itself — what the
// reflection ends up doing, without finding out how first. TestFlowModelValue checks both agree with
// the framework on every kind of value.
//
// A definition is never validated on the way: a definition Diga holds that
// our checks refuse (made in the UI, over a limit, or read through Diga's
// declared models without the keys they lack) reaches state on a refresh
// or an import instead of failing it; the configured definition is
// validated as configuration (definitionValidator), at validate and plan
// time (TestFlowModelValue_definitionNotRevalidated).

// flowField is one attribute of diga_flow: its name, its type (the schema's)
// and the model field holding it.
type flowField struct {
	name string
	typ  attr.Type
	get  func(*flowModel) attr.Value
	set  func(*flowModel, attr.Value) bool
}

func field[T attr.Value](name string, typ attr.Type, f func(*flowModel) *T) flowField {
	return flowField{
		name: name,
		typ:  typ,
		get:  func(m *flowModel) attr.Value { return *f(m) },
		set: func(m *flowModel, v attr.Value) bool {
			t, ok := v.(T)
			if ok {
				*f(m) = t
			}
			return ok
		},
	}
}

var stringList = types.ListType{ElemType: types.StringType}
var stringMap = types.MapType{ElemType: types.StringType}

// flowFields is every attribute and block of the diga_flow schema, once.
var flowFields = []flowField{
	field("id", types.StringType, func(m *flowModel) *types.String { return &m.ID }),
	field("name", types.StringType, func(m *flowModel) *types.String { return &m.Name }),
	field("definition", definitionType{}, func(m *flowModel) *definitionValue { return &m.Definition }),
	field("publish", types.BoolType, func(m *flowModel) *types.Bool { return &m.Publish }),
	field("enabled", types.BoolType, func(m *flowModel) *types.Bool { return &m.Enabled }),
	field("test_before_publish", types.BoolType, func(m *flowModel) *types.Bool { return &m.TestBeforePublish }),
	field("published_hash", types.StringType, func(m *flowModel) *types.String { return &m.PublishedHash }),
	field("status", types.StringType, func(m *flowModel) *types.String { return &m.Status }),
	field("flow_category", types.StringType, func(m *flowModel) *types.String { return &m.FlowCategory }),
	field("created", types.StringType, func(m *flowModel) *types.String { return &m.Created }),
	field("updated", types.StringType, func(m *flowModel) *types.String { return &m.Updated }),
	field("produced_variables", stringList, func(m *flowModel) *types.List { return &m.ProducedVariables }),
	field("consumed_variables", stringList, func(m *flowModel) *types.List { return &m.ConsumedVariables }),
	field("template_id", types.StringType, func(m *flowModel) *types.String { return &m.TemplateID }),
	field("template_variables", stringMap, func(m *flowModel) *types.Map { return &m.TemplateVariables }),
	field("template_connections", stringMap, func(m *flowModel) *types.Map { return &m.TemplateConnections }),
	field("template_connections_wo", stringMap, func(m *flowModel) *types.Map { return &m.TemplateConnectionsWO }),
	field("template_connections_wo_version", types.StringType, func(m *flowModel) *types.String { return &m.TemplateConnectionsWOVersion }),
	field("timeouts", timeouts.Type{ObjectType: types.ObjectType{AttrTypes: timeoutsAttrTypes}}, func(m *flowModel) *timeouts.Value { return &m.Timeouts }),
}

// flowObjectType is the Terraform type of a whole diga_flow value, from the
// schema itself.
var flowObjectType = sync.OnceValue(func() tftypes.Type {
	var resp resource.SchemaResponse
	(&flowResource{}).Schema(context.Background(), resource.SchemaRequest{}, &resp)
	return resp.Schema.Type().TerraformType(context.Background())
})

// getFlowModel reads raw, a known diga_flow object, into m.
func getFlowModel(ctx context.Context, raw tftypes.Value, m *flowModel) diag.Diagnostics {
	var diags diag.Diagnostics
	if !raw.IsKnown() || raw.IsNull() {
		diags.AddError("Cannot read diga_flow", "The framework handed the provider a null or unknown diga_flow. This is a provider bug; please report it.")
		return diags
	}
	var attrs map[string]tftypes.Value
	if err := raw.As(&attrs); err != nil {
		diags.AddError("Cannot read diga_flow", "The framework handed the provider a value that is not a diga_flow object: "+err.Error()+". This is a provider bug; please report it.")
		return diags
	}
	for _, f := range flowFields {
		v, err := f.typ.ValueFromTerraform(ctx, attrs[f.name])
		if err == nil && !f.set(m, v) {
			err = fmt.Errorf("got %T", v)
		}
		if err != nil {
			diags.AddError("Cannot read diga_flow", "Attribute "+f.name+": "+err.Error()+". This is a provider bug; please report it.")
		}
	}
	return diags
}

// flowModelValue is m as a diga_flow object, ready for resp.State.Raw or
// resp.Plan.Raw.
func flowModelValue(ctx context.Context, m *flowModel) (tftypes.Value, diag.Diagnostics) {
	var diags diag.Diagnostics
	attrs := make(map[string]tftypes.Value, len(flowFields))
	for _, f := range flowFields {
		v, err := f.get(m).ToTerraformValue(ctx)
		if err != nil {
			diags.AddError("Cannot write diga_flow", "Attribute "+f.name+": "+err.Error()+". This is a provider bug; please report it.")
			continue
		}
		attrs[f.name] = v
	}
	typ := flowObjectType()
	if diags.HasError() {
		return tftypes.NewValue(typ, nil), diags
	}
	if err := tftypes.ValidateValue(typ, attrs); err != nil {
		diags.AddError("Cannot write diga_flow", err.Error()+". This is a provider bug; please report it.")
		return tftypes.NewValue(typ, nil), diags
	}
	return tftypes.NewValue(typ, attrs), diags
}

// setFlowModel writes m into dst (a plan's or state's Raw) when it converts.
func setFlowModel(ctx context.Context, dst *tftypes.Value, m *flowModel) diag.Diagnostics {
	v, diags := flowModelValue(ctx, m)
	if !diags.HasError() {
		*dst = v
	}
	return diags
}

// configuredDefinition reads `definition` from a diga_flow configuration:
// req.Config.GetAttribute without the path walk.
func configuredDefinition(ctx context.Context, config tftypes.Value, dst *definitionValue) diag.Diagnostics {
	var diags diag.Diagnostics
	var attrs map[string]tftypes.Value
	if err := config.As(&attrs); err != nil {
		diags.AddError("Cannot read diga_flow", "The framework handed the provider a configuration that is not a diga_flow object: "+err.Error()+". This is a provider bug; please report it.")
		return diags
	}
	v, err := definitionType{}.ValueFromTerraform(ctx, attrs["definition"])
	if err != nil {
		diags.AddError("Cannot read diga_flow", "Attribute definition: "+err.Error()+". This is a provider bug; please report it.")
		return diags
	}
	d, ok := v.(definitionValue)
	if !ok {
		diags.AddError("Cannot read diga_flow", fmt.Sprintf("Attribute definition: got %T. This is a provider bug; please report it.", v))
		return diags
	}
	*dst = d
	return diags
}
