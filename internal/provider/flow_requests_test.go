package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

// These tests hold diga_flow to the API's request floor: they drive the
// provider's protocol calls (as Terraform does for plan, apply, refresh
// and destroy) and count the requests the emulator receives in each.

// protoFlow is one diga_flow instance driven through the protocol.
type protoFlow struct {
	t       *testing.T
	ps      tfprotov6.ProviderServer
	emu     *emulator.Server
	key     string // the emulator's API key
	typ     tftypes.Object
	schema  *tfprotov6.Schema
	state   tftypes.Value // null when the flow does not exist
	private []byte
}

func newProtoFlow(t *testing.T) *protoFlow {
	t.Helper()
	ps, emu, key, _ := protocolProvider(t, 0)
	schemas, err := ps.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	s := schemas.ResourceSchemas["diga_flow"]
	typ := s.ValueType().(tftypes.Object)
	return &protoFlow{t: t, ps: ps, emu: emu, key: key, typ: typ, schema: s, state: tftypes.NewValue(typ, nil)}
}

// config builds a configuration value: the given attributes, the rest null.
func (p *protoFlow) config(attrs map[string]any) tftypes.Value {
	vals := map[string]tftypes.Value{}
	for name, at := range p.typ.AttributeTypes {
		v, ok := attrs[name]
		if !ok {
			vals[name] = tftypes.NewValue(at, nil)
			continue
		}
		vals[name] = tftypes.NewValue(at, v)
	}
	return tftypes.NewValue(p.typ, vals)
}

func (p *protoFlow) computed(name string) bool {
	for _, a := range p.schema.Block.Attributes {
		if a.Name == name {
			return a.Computed
		}
	}
	return false
}

// proposed merges config and prior state as Terraform does for flat
// attributes: a computed attribute the configuration leaves null keeps its
// prior value.
func (p *protoFlow) proposed(cfg tftypes.Value) tftypes.Value {
	var c, prior map[string]tftypes.Value
	if err := cfg.As(&c); err != nil {
		p.t.Fatal(err)
	}
	if !p.state.IsNull() {
		if err := p.state.As(&prior); err != nil {
			p.t.Fatal(err)
		}
	}
	out := map[string]tftypes.Value{}
	for name, v := range c {
		if v.IsNull() && prior != nil && p.computed(name) {
			v = prior[name]
		}
		out[name] = v
	}
	return tftypes.NewValue(p.typ, out)
}

func (p *protoFlow) dv(v tftypes.Value) *tfprotov6.DynamicValue {
	d, err := tfprotov6.NewDynamicValue(p.typ, v)
	if err != nil {
		p.t.Fatal(err)
	}
	return &d
}

// requests runs f and returns the requests the emulator received meanwhile,
// as "METHOD path" lines.
func (p *protoFlow) requests(f func()) []string {
	p.emu.ResetRequests()
	f()
	var out []string
	for _, r := range p.emu.Requests() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

// plan returns the planned state, failing the test on error diagnostics.
func (p *protoFlow) plan(cfg tftypes.Value) (tftypes.Value, []byte) {
	p.t.Helper()
	resp, err := p.ps.PlanResourceChange(context.Background(), &tfprotov6.PlanResourceChangeRequest{
		TypeName:         "diga_flow",
		PriorState:       p.dv(p.state),
		ProposedNewState: p.dv(p.proposed(cfg)),
		Config:           p.dv(cfg),
		PriorPrivate:     p.private,
	})
	if err != nil || hasErrors(resp.Diagnostics) {
		p.t.Fatalf("PlanResourceChange: %v %s", err, diagText(resp.Diagnostics))
	}
	planned, err := resp.PlannedState.Unmarshal(p.typ)
	if err != nil {
		p.t.Fatal(err)
	}
	return planned, resp.PlannedPrivate
}

// apply plans and applies cfg (nil: destroy) and returns the requests the
// apply sent, or nil when the plan changes nothing (Terraform then sends no
// ApplyResourceChange).
func (p *protoFlow) apply(cfg *tftypes.Value) []string {
	p.t.Helper()
	planned, private := tftypes.NewValue(p.typ, nil), p.private
	config := tftypes.NewValue(p.typ, nil)
	if cfg != nil {
		config = *cfg
		planned, private = p.plan(config)
		if planned.Equal(p.state) {
			return nil
		}
	}
	var resp *tfprotov6.ApplyResourceChangeResponse
	reqs := p.requests(func() {
		var err error
		resp, err = p.ps.ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{
			TypeName:       "diga_flow",
			PriorState:     p.dv(p.state),
			PlannedState:   p.dv(planned),
			Config:         p.dv(config),
			PlannedPrivate: private,
		})
		if err != nil || hasErrors(resp.Diagnostics) {
			p.t.Fatalf("ApplyResourceChange: %v %s", err, diagText(resp.Diagnostics))
		}
	})
	state, err := resp.NewState.Unmarshal(p.typ)
	if err != nil {
		p.t.Fatal(err)
	}
	p.state, p.private = state, resp.Private
	return reqs
}

func (p *protoFlow) refresh() []string {
	p.t.Helper()
	return p.requests(func() {
		resp, err := p.ps.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{
			TypeName: "diga_flow", CurrentState: p.dv(p.state), Private: p.private,
		})
		if err != nil || hasErrors(resp.Diagnostics) {
			p.t.Fatalf("ReadResource: %v %s", err, diagText(resp.Diagnostics))
		}
		state, err := resp.NewState.Unmarshal(p.typ)
		if err != nil {
			p.t.Fatal(err)
		}
		p.state, p.private = state, resp.Private
	})
}

func wantRequests(t *testing.T, phase string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s sent %d request(s):\n  %s\nwant %d:\n  %s", phase, len(got), strings.Join(got, "\n  "), len(want), strings.Join(want, "\n  "))
	}
}

func TestRequests_emptyFlow(t *testing.T) {
	t.Parallel()
	p := newProtoFlow(t)
	cfg := p.config(map[string]any{"name": "floor-empty"})
	wantRequests(t, "create", p.apply(&cfg), "POST /v1/workflow/")
	id := attrString(t, p.state, "id")
	wantRequests(t, "refresh", p.refresh(), "GET /v1/workflow/"+id)
	if reqs := p.apply(&cfg); reqs != nil {
		t.Errorf("an unchanged configuration planned a change (apply sent %v)", reqs)
	}
	renamed := p.config(map[string]any{"name": "floor-empty-2"})
	wantRequests(t, "rename", p.apply(&renamed), "PATCH /v1/workflow/"+id+"/rename")
	wantRequests(t, "destroy", p.apply(nil), "DELETE /v1/workflow/"+id)
}

func TestRequests_definedEnabledFlow(t *testing.T) {
	t.Parallel()
	p := newProtoFlow(t)
	def := postCallDefinitionJSON("floor")
	cfg := p.config(map[string]any{"name": "floor-defined", "definition": def, "enabled": true})
	reqs := p.apply(&cfg)
	id := attrString(t, p.state, "id")
	wantRequests(t, "create with definition and enabled", reqs,
		"POST /v1/workflow/", "POST /v1/workflow/"+id+"/import", "POST /v1/workflow/"+id+"/publish", "PATCH /v1/workflow/"+id+"/status")
	wantRequests(t, "refresh", p.refresh(), "GET /v1/workflow/"+id)
	if reqs := p.apply(&cfg); reqs != nil {
		t.Errorf("an unchanged configuration planned a change (apply sent %v)", reqs)
	}
	renamed := p.config(map[string]any{"name": "floor-defined-2", "definition": def, "enabled": true})
	wantRequests(t, "rename (publishes)", p.apply(&renamed),
		"PATCH /v1/workflow/"+id+"/rename", "POST /v1/workflow/"+id+"/publish")
	disabled := p.config(map[string]any{"name": "floor-defined-2", "definition": def, "enabled": false})
	wantRequests(t, "disable", p.apply(&disabled), "PATCH /v1/workflow/"+id+"/status")
	wantRequests(t, "destroy", p.apply(nil), "DELETE /v1/workflow/"+id)
}

func attrString(t *testing.T, obj tftypes.Value, name string) string {
	t.Helper()
	var attrs map[string]tftypes.Value
	if err := obj.As(&attrs); err != nil {
		t.Fatal(err)
	}
	var s string
	if err := attrs[name].As(&s); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

// A definition's text is parsed at most once per request however many
// times the request (and the framework's own checks) compare, fingerprint
// or check it, and each answer from Diga once. A text a live value already
// holds is not parsed again at all, so the counts are upper bounds. Not
// parallel: flowdef.Parses counts for the whole process, and parallel tests
// only start once the sequential ones are done.
func TestRequests_parsesEachTextOnce(t *testing.T) {
	p := newProtoFlow(t)
	def := `{"type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","triggerName":"call_finished"},` +
		`"nextAction":{"name":"summarise","type":"CODE","settings":{"sourceCode":{"code":"export const code = async () => 1"}}}}`
	atMost := func(what string, want int64, f func()) {
		t.Helper()
		before := flowdef.Parses()
		f()
		if n := flowdef.Parses() - before; n > want {
			t.Errorf("%s parsed %d texts, want at most %d", what, n, want)
		}
	}
	cfg := p.config(map[string]any{"name": "parse-once", "definition": def, "enabled": true})
	atMost("planning a new flow", 1, func() { p.plan(cfg) }) // the planned definition
	// The apply plans again (1), then the plan's text is parsed once (1) and
	// each of Diga's four answers: create, import, publish, status (4).
	atMost("creating the flow", 6, func() { p.apply(&cfg) })
	atMost("a refresh", 2, func() { p.refresh() }) // state's text and the answer
	id := attrString(t, p.state, "id")
	p.emu.EditFlow(p.key, id, func(tree map[string]any) {
		tree["nextAction"].(map[string]any)["skip"] = true
	})
	// State's text, the answer, and the text kept for the drift.
	atMost("a refresh that finds drift", 3, func() { p.refresh() })
	edited := strings.Replace(def, "=> 1", "=> 2", 1)
	changed := p.config(map[string]any{"name": "parse-once", "definition": edited, "enabled": true})
	atMost("planning a change", 2, func() { p.plan(changed) }) // the plan's and state's
}
