package provider

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func flowSchemaForTest(t *testing.T) resource.SchemaResponse {
	t.Helper()
	var resp resource.SchemaResponse
	(&flowResource{}).Schema(context.Background(), resource.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	return resp
}

// flowFields is the schema: every attribute and block once, with the
// schema's own type.
func TestFlowFieldsMatchSchema(t *testing.T) {
	ctx := context.Background()
	s := flowSchemaForTest(t).Schema
	var want, got []string
	for name := range s.Attributes {
		want = append(want, name)
	}
	for name := range s.Blocks {
		want = append(want, name)
	}
	for _, f := range flowFields {
		got = append(got, f.name)
		typ, diags := s.TypeAtPath(ctx, path.Root(f.name))
		if diags.HasError() {
			t.Errorf("%s: %v", f.name, diags)
			continue
		}
		if !typ.Equal(f.typ) {
			t.Errorf("%s: flowFields says %s, the schema %s", f.name, f.typ, typ)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		t.Fatalf("flowFields = %v\nschema     = %v", got, want)
	}
}

func flowModelsForTest() map[string]flowModel {
	ctx := context.Background()
	nulls := emptyFlowModel()
	nulls.ID, nulls.Name = types.StringNull(), types.StringNull()
	nulls.Status, nulls.FlowCategory = types.StringNull(), types.StringNull()
	nulls.Created, nulls.Updated = types.StringNull(), types.StringNull()

	full := emptyFlowModel()
	full.ID, full.Name = types.StringValue("f1"), types.StringValue("Support")
	full.Definition = definitionValue{StringValue: types.StringValue(`{"type":"EMPTY","name":"trigger"}`)}
	// Every field of the same type gets a different value, so that a field
	// wired to the wrong member cannot pass.
	full.Publish, full.Enabled, full.TestBeforePublish = types.BoolValue(true), types.BoolValue(false), types.BoolNull()
	full.PublishedHash, full.Status = types.StringValue("abc"), types.StringValue("DISABLED")
	full.FlowCategory, full.Created, full.Updated = types.StringValue("empty"), types.StringValue("2026-01-01T00:00:00Z"), types.StringValue("2026-01-02T00:00:00Z")
	full.ProducedVariables, _ = types.ListValueFrom(ctx, types.StringType, []string{"a", "b"})
	full.ConsumedVariables, _ = types.ListValueFrom(ctx, types.StringType, []string{"c"})
	full.TemplateID = types.StringValue("0b8f6a3c-1d2e-4f50-8a9b-0c1d2e3f4a5b")
	full.TemplateVariables, _ = types.MapValueFrom(ctx, types.StringType, map[string]string{"k": "v"})
	full.TemplateConnections, _ = types.MapValueFrom(ctx, types.StringType, map[string]string{"slack": "ext-1"})
	full.TemplateConnectionsWO, _ = types.MapValueFrom(ctx, types.StringType, map[string]string{"hubspot": "ext-2"})
	full.TemplateConnectionsWOVersion = types.StringValue("1")
	full.Timeouts = timeouts.Value{Object: types.ObjectValueMust(timeoutsAttrTypes, map[string]attr.Value{
		"create": types.StringValue("10m"), "update": types.StringNull(), "delete": types.StringUnknown(),
	})}

	unknowns := full
	unknowns.ID, unknowns.Status = types.StringUnknown(), types.StringUnknown()
	unknowns.Definition = definitionUnknown()
	unknowns.ProducedVariables = types.ListUnknown(types.StringType)
	unknowns.TemplateVariables = types.MapUnknown(types.StringType)
	unknowns.Enabled = types.BoolUnknown()
	unknowns.TestBeforePublish = types.BoolValue(false)
	unknowns.Timeouts = timeouts.Value{Object: types.ObjectUnknown(timeoutsAttrTypes)}
	return map[string]flowModel{"nulls": nulls, "full": full, "unknowns": unknowns}
}

// The hand-written conversion agrees with the framework's reflection both
// ways, on nulls, known values of every kind and unknowns.
func TestFlowModelValue(t *testing.T) {
	ctx := context.Background()
	s := flowSchemaForTest(t).Schema
	for name, m := range flowModelsForTest() {
		t.Run(name, func(t *testing.T) {
			framework := tfsdk.State{Schema: s}
			if d := framework.Set(ctx, &m); d.HasError() {
				t.Fatal(d)
			}
			ours, d := flowModelValue(ctx, &m)
			if d.HasError() {
				t.Fatal(d)
			}
			if !ours.Equal(framework.Raw) {
				t.Fatalf("flowModelValue:\n%s\nframework:\n%s", ours, framework.Raw)
			}

			var viaFramework, viaOurs flowModel
			if d := framework.Get(ctx, &viaFramework); d.HasError() {
				t.Fatal(d)
			}
			if d := getFlowModel(ctx, framework.Raw, &viaOurs); d.HasError() {
				t.Fatal(d)
			}
			// Whole models, not field by field through the table under test
			// (the definition's parse cache aside: the framework's Get
			// validates, and so parses, the definition).
			viaOurs, viaFramework = withoutParseCache(viaOurs), withoutParseCache(viaFramework)
			if !reflect.DeepEqual(viaOurs, viaFramework) {
				t.Errorf("getFlowModel:\n%+v\nframework:\n%+v", viaOurs, viaFramework)
			}
			if !reflect.DeepEqual(viaOurs, withoutParseCache(m)) {
				t.Errorf("round trip:\n%+v\nwant:\n%+v", viaOurs, m)
			}
		})
	}
}

// Unlike the framework's reflection, the table does not validate the
// definition on every read and write: a definition Diga holds that our
// checks refuse (made in the UI, over a limit) still reaches state on a
// refresh or an import, and the plan then shows it against the configured
// one, which is validated as configuration.
func TestFlowModelValue_definitionNotRevalidated(t *testing.T) {
	ctx := context.Background()
	m := flowModelsForTest()["full"]
	m.Definition = definitionValue{StringValue: types.StringValue("not json")}
	framework := tfsdk.State{Schema: flowSchemaForTest(t).Schema}
	if d := framework.Set(ctx, &m); !d.HasError() {
		t.Log("the framework no longer validates values in Set")
	}
	v, d := flowModelValue(ctx, &m)
	if d.HasError() {
		t.Fatalf("flowModelValue refused a definition from Diga: %v", d)
	}
	var back flowModel
	if d := getFlowModel(ctx, v, &back); d.HasError() {
		t.Fatalf("getFlowModel refused a definition from Diga: %v", d)
	}
	if back.Definition.ValueString() != "not json" {
		t.Fatalf("definition = %q", back.Definition.ValueString())
	}
}

// setIdentity builds the identity the framework's reflection would.
func TestSetIdentityMatchesFramework(t *testing.T) {
	ctx := context.Background()
	var resp resource.IdentitySchemaResponse
	(&flowResource{}).IdentitySchema(ctx, resource.IdentitySchemaRequest{}, &resp)
	framework := tfsdk.ResourceIdentity{Schema: resp.IdentitySchema}
	if d := framework.Set(ctx, flowIdentity{ID: types.StringValue("f1")}); d.HasError() {
		t.Fatal(d)
	}
	ours := tfsdk.ResourceIdentity{Schema: resp.IdentitySchema}
	setIdentity(ctx, &ours, types.StringValue("f1"))
	if !ours.Raw.Equal(framework.Raw) {
		t.Fatalf("setIdentity %s, framework %s", ours.Raw, framework.Raw)
	}
}

// withoutParseCache is m with its definition's parse cache dropped, so
// models compare by value.
func withoutParseCache(m flowModel) flowModel {
	m.Definition.parsed = nil
	return m
}
