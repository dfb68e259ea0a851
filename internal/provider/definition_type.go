package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

// definitionType is the Terraform type of diga_flow's `definition`: a
// string holding a flow definition. The meaning of the text belongs to the
// type, as jsontypes.Normalized owns JSON's: a value validates itself
// (syntax, limits, step rules, each problem named by step) and two values
// are equal when they mean the same flow, so key order, whitespace and keys
// Diga fills in never plan a change.
type definitionType struct {
	basetypes.StringType
}

var (
	_ basetypes.StringTypable                    = definitionType{}
	_ basetypes.StringValuableWithSemanticEquals = definitionValue{}
	_ xattr.ValidateableAttribute                = definitionValue{}
)

func (t definitionType) String() string { return "provider.definitionType" }

func (t definitionType) Equal(o attr.Type) bool {
	_, ok := o.(definitionType)
	return ok
}

func (t definitionType) ValueType(context.Context) attr.Value { return definitionValue{} }

func (t definitionType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return definitionValue{StringValue: in}, nil
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
	return definitionValue{StringValue: s}, nil
}

// definitionValue is a value of definitionType.
type definitionValue struct {
	basetypes.StringValue
}

func definitionText(text string) definitionValue {
	return definitionValue{StringValue: basetypes.NewStringValue(text)}
}

func definitionNull() definitionValue {
	return definitionValue{StringValue: basetypes.NewStringNull()}
}

func definitionUnknown() definitionValue {
	return definitionValue{StringValue: basetypes.NewStringUnknown()}
}

func (v definitionValue) Type(context.Context) attr.Type { return definitionType{} }

func (v definitionValue) Equal(o attr.Value) bool {
	other, ok := o.(definitionValue)
	return ok && v.StringValue.Equal(other.StringValue)
}

// known reports whether the value holds a definition.
func (v definitionValue) known() bool { return !v.IsNull() && !v.IsUnknown() }

// Definition parses the value; nil for a null or unknown value.
func (v definitionValue) Definition() (*flowdef.Definition, error) {
	if !v.known() {
		return nil, nil
	}
	return flowdef.ParseDefinition(v.ValueString())
}

// StringSemanticEquals: the framework asks whether the new value (the
// configuration at plan, a refreshed value at read) means what the prior
// one does. The new value is judged as written by the user and the prior
// one as held by Diga, the orientation of flowdef's comparison at plan.
func (v definitionValue) StringSemanticEquals(_ context.Context, newValuable basetypes.StringValuable) (bool, diag.Diagnostics) {
	other, ok := newValuable.(definitionValue)
	if !ok || !v.known() || !other.known() {
		return false, nil
	}
	if v.ValueString() == other.ValueString() {
		return true, nil
	}
	prior, err := v.Definition()
	if err != nil {
		return false, nil
	}
	proposed, err := other.Definition()
	if err != nil {
		return false, nil
	}
	return proposed.Means(prior), nil
}

// ValidateAttribute checks a configured definition without calling Diga:
// size, JSON syntax, types, required piece settings, unique step names,
// routers and loops, nesting depth and number range. Each problem names the
// step it is about, and each limit is named.
func (v definitionValue) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	if !v.known() {
		return
	}
	if err := flowdef.CheckSize(v.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Flow definition too large", upperFirst(err.Error())+".")
		return
	}
	def, err := v.Definition()
	if err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid flow definition",
			fmt.Sprintf("The definition is %s. Write it with jsonencode({...}) or load a JSON file with file(...).", err))
		return
	}
	problems := def.Problems()
	if len(problems) == 0 {
		return
	}
	lines := make([]string, 0, len(problems))
	for _, p := range problems {
		lines = append(lines, "  - "+p.String())
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid flow definition",
		fmt.Sprintf("The definition has %d problem(s), listed by step:\n%s", len(problems), strings.Join(lines, "\n")))
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
