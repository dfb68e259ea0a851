package provider

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/Diga-io/terraform-provider-diga/internal/contract"
	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// Values that become URL path segments are checked where the user writes
// them: `terraform validate` and plan refuse, on the attribute, a flow id,
// run id or piece name that is empty, "." or "..", and a step_name that is
// not a step name (the engine's rule, which leaves out "..", "a/b" and
// every other name that is not one path segment). The client refuses them
// again before sending (internal/client paths_test.go).

// schemaServer is the provider's protocol server with its schemas, not
// configured: validation needs no provider configuration.
func schemaServer(t *testing.T) (tfprotov6.ProviderServer, *tfprotov6.GetProviderSchemaResponse) {
	t.Helper()
	ps, err := ProtocolServer("test")()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := ps.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || hasErrors(schemas.Diagnostics) {
		t.Fatalf("GetProviderSchema: %v %v", err, schemas.Diagnostics)
	}
	return ps, schemas
}

// validate runs Terraform's validation of one resource, data source or
// action configuration and returns its diagnostics.
func validate(t *testing.T, ps tfprotov6.ProviderServer, schemas *tfprotov6.GetProviderSchemaResponse, kind, typeName string, attrs map[string]string) []*tfprotov6.Diagnostic {
	t.Helper()
	ctx := context.Background()
	switch kind {
	case "resource":
		resp, err := ps.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{
			TypeName: typeName, Config: configValue(t, schemas.ResourceSchemas[typeName].ValueType(), attrs)})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Diagnostics
	case "data":
		resp, err := ps.ValidateDataResourceConfig(ctx, &tfprotov6.ValidateDataResourceConfigRequest{
			TypeName: typeName, Config: configValue(t, schemas.DataSourceSchemas[typeName].ValueType(), attrs)})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Diagnostics
	case "action":
		//nolint:staticcheck // terraform-plugin-go v0.31 serves actions only through this interface.
		as, ok := ps.(tfprotov6.ProviderServerWithActions)
		if !ok {
			t.Fatal("the protocol server serves no actions")
		}
		resp, err := as.ValidateActionConfig(ctx, &tfprotov6.ValidateActionConfigRequest{
			ActionType: typeName, Config: configValue(t, schemas.ActionSchemas[typeName].Schema.ValueType(), attrs)})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Diagnostics
	}
	t.Fatalf("unknown kind %q", kind)
	return nil
}

func TestValidate_pathValuesAreOneSegment(t *testing.T) {
	t.Parallel()
	ps, schemas := schemaServer(t)
	type target struct {
		kind, typeName, attr string
		others               map[string]string
	}
	flowIDs := []target{
		{"action", "diga_step_test", "flow_id", map[string]string{"step_name": "step_1"}},
		{"action", "diga_flow_test", "flow_id", nil},
		{"resource", "diga_flow_sample_data", "flow_id", map[string]string{"step_name": "step_1", "payload": "{}"}},
		{"data", "diga_flow", "id", nil},
		{"data", "diga_flow_executions", "flow_id", nil},
		{"data", "diga_flow_execution", "id", nil},
		{"data", "diga_piece", "name", nil},
	}
	stepNames := []target{
		{"action", "diga_step_test", "step_name", map[string]string{"flow_id": "f1"}},
		{"resource", "diga_flow_sample_data", "step_name", map[string]string{"flow_id": "f1", "payload": "{}"}},
	}
	with := func(tg target, v string) map[string]string {
		attrs := map[string]string{tg.attr: v}
		for k, o := range tg.others {
			attrs[k] = o
		}
		return attrs
	}
	check := func(tg target, v string, wantError bool) {
		t.Helper()
		diags := validate(t, ps, schemas, tg.kind, tg.typeName, with(tg, v))
		onAttr := false
		for _, d := range diags {
			if d.Severity == tfprotov6.DiagnosticSeverityError && d.Attribute != nil && strings.Contains(d.Attribute.String(), tg.attr) {
				onAttr = true
			}
		}
		switch {
		case wantError && !onAttr:
			t.Errorf("%s %s: %s = %q accepted (%s)", tg.kind, tg.typeName, tg.attr, v, diagText(diags))
		case !wantError && hasErrors(diags):
			t.Errorf("%s %s: %s = %q refused: %s", tg.kind, tg.typeName, tg.attr, v, diagText(diags))
		}
	}
	for _, tg := range flowIDs {
		for _, bad := range []string{"", ".", ".."} {
			check(tg, bad, true)
		}
		for _, good := range []string{"f1", "...", "a/b", "@activepieces/piece-slack", "0c9f-11"} {
			check(tg, good, false)
		}
	}
	for _, tg := range stepNames {
		for _, bad := range []string{"", ".", "..", "a/b", "../test", "step 1", "1step", "step-1", "Step_1 "} {
			check(tg, bad, true)
		}
		for _, good := range []string{"trigger", "step_1", "_x", "Step2"} {
			check(tg, good, false)
		}
	}
}

// Every id diga_flow_sample_data reports imports back to the same flow,
// step and type, for every flow id and step name its validation accepts.
func TestSampleData_everyReportedIDImports(t *testing.T) {
	t.Parallel()
	ps, schemas := schemaServer(t)
	ctx := context.Background()
	stateType := schemas.ResourceSchemas["diga_flow_sample_data"].ValueType()
	for _, flowID := range []string{"f1", "a/b", "a%2Fb", "x y", "...", "..", "%"} {
		for _, step := range []string{"trigger", "step_1", "a/b", "a%2Fb", "..", "."} {
			for _, typ := range []string{"OUTPUT", "INPUT"} {
				attrs := map[string]string{"flow_id": flowID, "step_name": step, "type": typ, "payload": "{}"}
				if hasErrors(validate(t, ps, schemas, "resource", "diga_flow_sample_data", attrs)) {
					continue // refused where it was written: no id is ever reported
				}
				id := sampleDataID(flowID, step, typ)
				imp, err := ps.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{TypeName: "diga_flow_sample_data", ID: id})
				if err != nil {
					t.Fatal(err)
				}
				if hasErrors(imp.Diagnostics) || len(imp.ImportedResources) != 1 {
					t.Errorf("flow %q, step %q: its id %q does not import: %s", flowID, step, id, diagText(imp.Diagnostics))
					continue
				}
				v, err := imp.ImportedResources[0].State.Unmarshal(stateType)
				if err != nil {
					t.Fatal(err)
				}
				var got map[string]tftypes.Value
				if err := v.As(&got); err != nil {
					t.Fatal(err)
				}
				for attr, want := range map[string]string{"flow_id": flowID, "step_name": step, "type": typ, "id": id} {
					var s string
					if err := got[attr].As(&s); err != nil || s != want {
						t.Errorf("id %q imports %s = %q, want %q", id, attr, s, want)
					}
				}
			}
		}
	}
}

// An import id naming a path value that can never be sent is refused at
// import, before anything is read.
func TestSampleData_importRefusesDotSegments(t *testing.T) {
	t.Parallel()
	ps, _ := schemaServer(t)
	for _, id := range []string{"../trigger/OUTPUT", "./trigger/OUTPUT", "f1/../OUTPUT", "f1/./OUTPUT", "f1/a/b/OUTPUT", "f1/trigger/BOTH", "f1//OUTPUT"} {
		imp, err := ps.ImportResourceState(context.Background(), &tfprotov6.ImportResourceStateRequest{TypeName: "diga_flow_sample_data", ID: id})
		if err != nil {
			t.Fatal(err)
		}
		if !hasErrors(imp.Diagnostics) || !strings.Contains(diagText(imp.Diagnostics), "Invalid import ID") {
			t.Errorf("import id %q: %s", id, diagText(imp.Diagnostics))
		}
	}
}

// The dot-segment case end to end: diga_step_test with step_name ".." behind a
// front end that removes dot segments (as CDNs and proxies do by default)
// must not run the whole flow's test and report the step as passed. The
// action is invoked over the protocol, as Terraform ≥ 1.14 does after
// validation; here validation is skipped, so the client's own refusal is
// what is tested.
func TestProtocol_stepTestDotSegmentNeverReachesAnotherRoute(t *testing.T) {
	t.Parallel()
	key := "proto-key-" + randomSuffix(t)
	emu := emulator.New(emulator.WithAPIKeys(key))
	api := httptest.NewServer(contract.Wrap(t, emu))
	t.Cleanup(api.Close)
	upstream, err := url.Parse(api.URL)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []string
	proxy := httputil.NewSingleHostReverseProxy(upstream)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.EscapedPath())
		mu.Unlock()
		// RFC 3986 §5.2.4 remove_dot_segments, as a normalising front end does.
		cleaned := path.Clean(r.URL.Path)
		if strings.HasSuffix(r.URL.Path, "/") && cleaned != "/" {
			cleaned += "/"
		}
		r.URL.Path, r.URL.RawPath = cleaned, ""
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	id := seedDefinedFlow(t, emu, api.URL, key, "dots-", "hello")

	ps, schemas := configuredServer(t, key, front.URL, nil)
	//nolint:staticcheck // terraform-plugin-go v0.31 serves actions only through this interface.
	as := ps.(tfprotov6.ProviderServerWithActions)
	for _, step := range []string{"..", "."} {
		stream, err := as.InvokeAction(context.Background(), &tfprotov6.InvokeActionRequest{
			ActionType: "diga_step_test",
			Config:     configValue(t, schemas.ActionSchemas["diga_step_test"].Schema.ValueType(), map[string]string{"flow_id": id, "step_name": step}),
		})
		if err != nil {
			t.Fatal(err)
		}
		var diags []*tfprotov6.Diagnostic
		var progress []string
		for ev := range stream.Events {
			switch e := ev.Type.(type) {
			case tfprotov6.CompletedInvokeActionEventType:
				diags = append(diags, e.Diagnostics...)
			case tfprotov6.ProgressInvokeActionEventType:
				progress = append(progress, e.Message)
			}
		}
		if !hasErrors(diags) {
			t.Errorf("step_name %q: the action succeeded; progress: %q", step, progress)
		}
		for _, p := range progress {
			if strings.Contains(p, "passed") {
				t.Errorf("step_name %q reported %q", step, p)
			}
		}
	}
	if n := emu.RunCount(key, id); n != 0 {
		t.Errorf("the flow ran %d time(s)", n)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, r := range seen {
		if strings.Contains(r, "/steps/") || strings.HasSuffix(r, "/test") {
			t.Errorf("the front end saw %s", r)
		}
	}
}

// `terraform import diga_flow.x ..` (or ".") never sends a dot segment: the
// read that follows the import fails saying why, and nothing reaches Diga.
func TestProtocol_flowImportOfDotSegmentSendsNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	key := "proto-key-" + randomSuffix(t)
	emu := emulator.New(emulator.WithAPIKeys(key))
	var mu sync.Mutex
	var seen []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.EscapedPath())
		mu.Unlock()
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(api.Close)
	ps, _ := configuredServer(t, key, api.URL, nil)
	for _, id := range []string{"..", "."} {
		imp, err := ps.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{TypeName: "diga_flow", ID: id})
		if err != nil {
			t.Fatal(err)
		}
		if hasErrors(imp.Diagnostics) {
			if !strings.Contains(diagText(imp.Diagnostics), "Invalid flow id") {
				t.Errorf("import id %q: %s", id, diagText(imp.Diagnostics))
			}
			continue // refused at import, where the user wrote it
		}
		t.Errorf("import id %q was accepted; the read after it refuses it", id)
		for _, res := range imp.ImportedResources {
			read, err := ps.ReadResource(ctx, &tfprotov6.ReadResourceRequest{
				TypeName: "diga_flow", CurrentState: res.State, CurrentIdentity: res.Identity, Private: res.Private,
			})
			if err != nil {
				t.Fatal(err)
			}
			if !hasErrors(read.Diagnostics) || !strings.Contains(diagText(read.Diagnostics), "dot segment") {
				t.Errorf("import id %q: read gave %s", id, diagText(read.Diagnostics))
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 0 {
		t.Errorf("Diga saw %q", seen)
	}
}
