package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/Diga-io/terraform-provider-diga/internal/provider"
)

// flowResource is floor_flow: diga_flow's own schema — the same attributes,
// types, defaults, validators and attribute plan modifiers, taken from the
// provider itself — served with nothing else: no ModifyPlan, no API, a
// Create that fills in the computed values and a Read that changes nothing.
// What it costs is what Terraform and the framework pay for that schema, so
// diga_flow ÷ floor_flow is what our own code and the API calls add.
type flowResource struct{}

// digaFlow is the provider's diga_flow resource, for its schema.
func digaFlow(ctx context.Context) resource.Resource {
	for _, f := range provider.New("bench")().Resources(ctx) {
		r := f()
		var m resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "diga"}, &m)
		if m.TypeName == "diga_flow" {
			return r
		}
	}
	panic("the provider has no diga_flow")
}

func (flowResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_flow"
}

func (flowResource) Schema(ctx context.Context, req resource.SchemaRequest, resp *resource.SchemaResponse) {
	digaFlow(ctx).Schema(ctx, req, resp)
}

// The values computed attributes get: as long as what Diga answers, so that
// the state is as large as diga_flow's.
const (
	filler          = "2026-01-01T00:00:00.000000Z"
	emptyDefinition = `{"displayName":"Select Trigger","name":"trigger","type":"EMPTY"}`
)

// known replaces every unknown value in a planned object with a known one.
func known(plan tftypes.Value) (tftypes.Value, error) {
	return tftypes.Transform(plan, func(p *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if v.IsKnown() {
			return v, nil
		}
		name := ""
		if steps := p.Steps(); len(steps) == 1 {
			if a, ok := steps[0].(tftypes.AttributeName); ok {
				name = string(a)
			}
		}
		switch {
		case name == "id":
			b := make([]byte, 10)
			_, _ = rand.Read(b)
			return tftypes.NewValue(tftypes.String, hex.EncodeToString(b)), nil
		case name == "definition":
			return tftypes.NewValue(tftypes.String, emptyDefinition), nil
		case v.Type().Is(tftypes.String):
			return tftypes.NewValue(tftypes.String, filler), nil
		case v.Type().Is(tftypes.Bool):
			return tftypes.NewValue(tftypes.Bool, false), nil
		case v.Type().Is(tftypes.List{}):
			return tftypes.NewValue(v.Type(), []tftypes.Value{}), nil
		case v.Type().Is(tftypes.Map{}):
			return tftypes.NewValue(v.Type(), map[string]tftypes.Value{}), nil
		}
		return tftypes.NewValue(v.Type(), nil), nil
	})
}

// planned is the state an apply of plan leaves: plan with its unknowns filled.
func planned(plan tftypes.Value, state *tftypes.Value, diags *diag.Diagnostics) {
	v, err := known(plan)
	if err != nil {
		diags.AddError("floor_flow", err.Error())
		return
	}
	*state = v
}

func (flowResource) Create(_ context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	planned(req.Plan.Raw, &resp.State.Raw, &resp.Diagnostics)
}

func (flowResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (flowResource) Update(_ context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	planned(req.Plan.Raw, &resp.State.Raw, &resp.Diagnostics)
}

func (flowResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}
