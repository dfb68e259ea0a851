package provider

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"weak"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

// definitionType is the Terraform type of diga_flow's `definition`: a
// string holding a flow definition. The meaning of the text belongs to the
// type, as jsontypes.Normalized owns JSON's: two values are equal when they
// mean the same flow, so key order, whitespace and keys Diga fills in never
// plan a change.
//
// The configuration is validated by definitionValidator, not by the value
// itself (xattr.ValidateableAttribute): the framework runs a value's own
// validation every time it reads it (fwschemadata's ValueAtPath, several
// times per plan, on the prior state too), which would parse each text
// many times per request and fail plans over a definition Diga holds that
// our checks refuse (one made in the UI, or read through Diga's declared
// response models without the keys they lack).
type definitionType struct {
	basetypes.StringType
}

var (
	_ basetypes.StringTypable                    = definitionType{}
	_ basetypes.StringValuableWithSemanticEquals = definitionValue{}
	_ validator.String                           = definitionValidator{}
)

func (t definitionType) String() string { return "provider.definitionType" }

func (t definitionType) Equal(o attr.Type) bool {
	_, ok := o.(definitionType)
	return ok
}

func (t definitionType) ValueType(context.Context) attr.Value { return definitionValue{} }

func (t definitionType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return newDefinitionValue(in), nil
}

func (t definitionType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	v, err := t.StringType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	s, ok := v.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T", v)
	}
	return newDefinitionValue(s), nil
}

// definitionValue is a value of definitionType.
type definitionValue struct {
	basetypes.StringValue
	// parsed holds the parse of the text, made at most once: the copies of
	// a value share it, so however often a request compares, fingerprints
	// or validates a definition, its text is parsed once.
	parsed *parsedDefinition
}

type parsedDefinition struct {
	once sync.Once
	def  *flowdef.Definition
	err  error
}

// parsedTexts finds the parse of a text that a live value already holds, so
// the framework's own copies of a value (it rebuilds values from their
// Terraform form for its checks) share one parse with ours: a text is
// parsed once for as long as any value holding it lives, and forgotten
// with the last of them (weak pointers; the cleanup removes the entry).
var parsedTexts sync.Map // text → weak.Pointer[parsedDefinition]

func newDefinitionValue(s basetypes.StringValue) definitionValue {
	if s.IsNull() || s.IsUnknown() {
		return definitionValue{StringValue: s, parsed: &parsedDefinition{}}
	}
	text := s.ValueString()
	if wp, ok := parsedTexts.Load(text); ok {
		if p := wp.(weak.Pointer[parsedDefinition]).Value(); p != nil {
			return definitionValue{StringValue: s, parsed: p}
		}
	}
	p := &parsedDefinition{}
	wp := weak.Make(p)
	parsedTexts.Store(text, wp)
	runtime.AddCleanup(p, func(text string) { parsedTexts.CompareAndDelete(text, wp) }, text)
	return definitionValue{StringValue: s, parsed: p}
}

func definitionText(text string) definitionValue {
	return newDefinitionValue(basetypes.NewStringValue(text))
}

// definitionOf is the value holding def's text, already parsed.
func definitionOf(def *flowdef.Definition) definitionValue {
	v := definitionText(def.Text())
	v.parsed.once.Do(func() { v.parsed.def = def })
	return v
}

func definitionNull() definitionValue {
	return newDefinitionValue(basetypes.NewStringNull())
}

func definitionUnknown() definitionValue {
	return newDefinitionValue(basetypes.NewStringUnknown())
}

func (v definitionValue) Type(context.Context) attr.Type { return definitionType{} }

func (v definitionValue) Equal(o attr.Value) bool {
	other, ok := o.(definitionValue)
	return ok && v.StringValue.Equal(other.StringValue)
}

// known reports whether the value holds a definition.
func (v definitionValue) known() bool { return !v.IsNull() && !v.IsUnknown() }

// Definition is the value's definition, parsed on first use; nil for a
// null or unknown value.
func (v definitionValue) Definition() (*flowdef.Definition, error) {
	if !v.known() {
		return nil, nil
	}
	if v.parsed == nil { // the zero value, as the framework's ValueType makes it
		return flowdef.ParseDefinition(v.ValueString())
	}
	v.parsed.once.Do(func() { v.parsed.def, v.parsed.err = flowdef.ParseDefinition(v.ValueString()) })
	return v.parsed.def, v.parsed.err
}

// StringSemanticEquals: the framework asks whether a new value means what
// the prior one does — at apply (the planned value against the one the
// apply returns) and at read (the refreshed value against the prior state).
// The receiver is the new value: it is judged as the configuration and the
// prior value as the text standing for Diga's flow (flowdef's SameAs), with
// nothing hidden, since both are texts the provider kept; what Diga's
// answers cannot show was already settled when the refreshed value was made
// (stateDefinition).
func (v definitionValue) StringSemanticEquals(_ context.Context, priorValuable basetypes.StringValuable) (bool, diag.Diagnostics) {
	prior, ok := priorValuable.(definitionValue)
	if !ok || !v.known() || !prior.known() {
		return false, nil
	}
	if v.ValueString() == prior.ValueString() {
		return true, nil
	}
	newDef, err := v.Definition()
	if err != nil {
		return false, nil
	}
	priorDef, err := prior.Definition()
	if err != nil {
		return false, nil
	}
	return newDef.SameAs(priorDef), nil
}

// definitionValidator checks a configured definition without calling
// Diga: size, JSON syntax, types, required piece settings, step names,
// routers and loops, nesting depth and number range (flowdef.Validate).
// Each problem names the step it is about, and each limit is named.
type definitionValidator struct{}

func (definitionValidator) Description(context.Context) string {
	return "a flow definition the engine behind Diga accepts"
}

func (v definitionValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (definitionValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := flowdef.CheckSize(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Flow definition too large", upperFirst(err.Error())+".")
		return
	}
	def, err := flowdef.ParseDefinition(req.ConfigValue.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid flow definition",
			fmt.Sprintf("The definition is %s. Write it with jsonencode({...}) or load a JSON file with file(...).", err))
		return
	}
	addDefinitionProblems(&resp.Diagnostics, req.Path, def.Problems())
}

// addDefinitionProblems reports flowdef's problems on the attribute at p:
// one error listing the errors by step, one warning listing the warnings.
func addDefinitionProblems(diags *diag.Diagnostics, p path.Path, problems []flowdef.Problem) {
	var errs, warnings []string
	for _, pr := range problems {
		if pr.Warning {
			warnings = append(warnings, "  - "+pr.String())
		} else {
			errs = append(errs, "  - "+pr.String())
		}
	}
	if len(errs) > 0 {
		diags.AddAttributeError(p, "Invalid flow definition",
			fmt.Sprintf("The definition has %d problem(s), listed by step:\n%s", len(errs), strings.Join(errs, "\n")))
	}
	if len(warnings) > 0 {
		diags.AddAttributeWarning(p, "Flow definition will not publish as written",
			fmt.Sprintf("The definition can be applied, but:\n%s", strings.Join(warnings, "\n")))
	}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
