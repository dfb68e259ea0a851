package provider

import (
	"context"
	"sort"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The terraform CLI here is 1.11, which has neither resource identities
// (1.12) nor `terraform query` (1.14). These tests drive the provider
// server's protocol calls directly, as those Terraform versions would.

func TestProtocol_identitySchemaAndImportByIdentity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ps, _, _, ids := protocolProvider(t, 1)

	idSchemas, err := ps.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil || hasErrors(idSchemas.Diagnostics) {
		t.Fatalf("GetResourceIdentitySchemas: %v %v", err, idSchemas.Diagnostics)
	}
	is, ok := idSchemas.IdentitySchemas["diga_flow"]
	if !ok || len(is.IdentityAttributes) != 1 || is.IdentityAttributes[0].Name != "id" || !is.IdentityAttributes[0].RequiredForImport {
		t.Fatalf("diga_flow identity schema = %+v, want one required-for-import attribute id", is)
	}

	// import { to = diga_flow.x, identity = { id = "…" } }
	idType := is.ValueType()
	idVal, err := tfprotov6.NewDynamicValue(idType, tftypes.NewValue(idType, map[string]tftypes.Value{"id": tftypes.NewValue(tftypes.String, ids[0])}))
	if err != nil {
		t.Fatal(err)
	}
	imp, err := ps.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{
		TypeName: "diga_flow",
		Identity: &tfprotov6.ResourceIdentityData{IdentityData: &idVal},
	})
	if err != nil || hasErrors(imp.Diagnostics) || len(imp.ImportedResources) != 1 {
		t.Fatalf("ImportResourceState: %v %s %d", err, diagText(imp.Diagnostics), len(imp.ImportedResources))
	}
	imported := imp.ImportedResources[0]

	schemas, _ := ps.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	resType := schemas.ResourceSchemas["diga_flow"].ValueType()
	read, err := ps.ReadResource(ctx, &tfprotov6.ReadResourceRequest{
		TypeName:        "diga_flow",
		CurrentState:    imported.State,
		CurrentIdentity: imported.Identity,
		Private:         imported.Private,
	})
	if err != nil || hasErrors(read.Diagnostics) {
		t.Fatalf("ReadResource: %v %s", err, diagText(read.Diagnostics))
	}
	state, err := read.NewState.Unmarshal(resType)
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := state.As(&attrs); err != nil {
		t.Fatal(err)
	}
	var id, name string
	_ = attrs["id"].As(&id)
	_ = attrs["name"].As(&name)
	if id != ids[0] || name != "listed-1" {
		t.Errorf("imported by identity: id %q name %q, want %q listed-1", id, name, ids[0])
	}
	if got := identityID(t, read.NewIdentity); got != ids[0] {
		t.Errorf("identity after read = %q, want %q", got, ids[0])
	}
}

func TestProtocol_listResource(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ps, emu, key, ids := protocolProvider(t, 45) // two pages
	emu.SetStatus(key, ids[0], "ENABLED")

	schemas, err := ps.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	ls, ok := schemas.ListResourceSchemas["diga_flow"]
	if !ok {
		t.Fatal("no diga_flow list resource schema")
	}
	listType := ls.ValueType().(tftypes.Object)
	resType := schemas.ResourceSchemas["diga_flow"].ValueType()

	list := func(status string, includeResource bool, limit int64) []*tfprotov6.ListResourceResult {
		t.Helper()
		vals := map[string]tftypes.Value{}
		for name, typ := range listType.AttributeTypes {
			vals[name] = tftypes.NewValue(typ, nil)
		}
		if status != "" {
			vals["status"] = tftypes.NewValue(tftypes.String, status)
		}
		cfg, err := tfprotov6.NewDynamicValue(listType, tftypes.NewValue(listType, vals))
		if err != nil {
			t.Fatal(err)
		}
		//nolint:staticcheck // terraform-plugin-go v0.31 serves ListResource only through this interface.
		lrs, ok := ps.(tfprotov6.ProviderServerWithListResource)
		if !ok {
			t.Fatal("provider server does not serve list resources")
		}
		stream, err := lrs.ListResource(ctx, &tfprotov6.ListResourceRequest{
			TypeName: "diga_flow", Config: &cfg, IncludeResource: includeResource, Limit: limit,
		})
		if err != nil {
			t.Fatal(err)
		}
		var out []*tfprotov6.ListResourceResult
		for r := range stream.Results {
			if hasErrors(r.Diagnostics) {
				t.Fatalf("list result: %s", diagText(r.Diagnostics))
			}
			out = append(out, &r)
		}
		return out
	}

	all := list("", false, 100)
	if len(all) != 45 {
		t.Fatalf("listed %d flows, want 45", len(all))
	}
	var listed []string
	for _, r := range all {
		id := identityID(t, r.Identity)
		listed = append(listed, id)
		if r.Resource != nil {
			t.Errorf("resource object sent although not requested")
		}
	}
	sort.Strings(listed)
	want := append([]string(nil), ids...)
	sort.Strings(want)
	for i := range want {
		if listed[i] != want[i] {
			t.Fatalf("listed ids differ from the seeded ones at %d: %s vs %s", i, listed[i], want[i])
		}
	}

	enabled := list("ENABLED", true, 100)
	if len(enabled) != 1 || enabled[0].DisplayName != "listed-1" {
		t.Fatalf("status filter: got %d results", len(enabled))
	}
	obj, err := enabled[0].Resource.Unmarshal(resType)
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	_ = obj.As(&attrs)
	var enabledAttr bool
	var def string
	_ = attrs["enabled"].As(&enabledAttr)
	_ = attrs["definition"].As(&def)
	if !enabledAttr || def == "" {
		t.Errorf("resource object: enabled %v definition %q", enabledAttr, def)
	}

	if got := list("", false, 5); len(got) != 5 {
		t.Errorf("limit 5 returned %d results", len(got))
	}
}

// identityID is the id of a diga_flow resource identity.
func identityID(t *testing.T, ident *tfprotov6.ResourceIdentityData) string {
	t.Helper()
	v, err := ident.IdentityData.Unmarshal(tftypes.Object{AttributeTypes: map[string]tftypes.Type{"id": tftypes.String}})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]tftypes.Value
	_ = v.As(&m)
	var id string
	_ = m["id"].As(&id)
	return id
}
