package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// errUnknownValue: a value holds something known only at apply.
var errUnknownValue = errors.New("value not known yet")

// jsonValueOf turns a Terraform value of any type into the plain JSON
// value jsonencode would write for it: objects and maps as map[string]any,
// lists, tuples and sets as []any, numbers as json.Number in jsonencode's
// notation. It returns errUnknownValue when any part of the value is
// unknown.
func jsonValueOf(ctx context.Context, v types.Dynamic) (any, error) {
	if v.IsUnknown() || v.IsUnderlyingValueUnknown() {
		return nil, errUnknownValue
	}
	if v.IsNull() || v.IsUnderlyingValueNull() {
		return nil, nil
	}
	tv, err := v.UnderlyingValue().ToTerraformValue(ctx)
	if err != nil {
		return nil, err
	}
	return jsonOfTerraform(tv)
}

func jsonOfTerraform(v tftypes.Value) (any, error) {
	if !v.IsKnown() {
		return nil, errUnknownValue
	}
	if v.IsNull() {
		return nil, nil
	}
	typ := v.Type()
	switch {
	case typ.Is(tftypes.String):
		var s string
		err := v.As(&s)
		return s, err
	case typ.Is(tftypes.Bool):
		var b bool
		err := v.As(&b)
		return b, err
	case typ.Is(tftypes.Number):
		var f big.Float
		if err := v.As(&f); err != nil {
			return nil, err
		}
		if f.IsInf() {
			return nil, errors.New("an infinite number cannot be written as JSON")
		}
		return json.Number(f.Text('f', -1)), nil
	case typ.Is(tftypes.Object{}), typ.Is(tftypes.Map{}):
		var m map[string]tftypes.Value
		if err := v.As(&m); err != nil {
			return nil, err
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			j, err := jsonOfTerraform(e)
			if err != nil {
				return nil, err
			}
			out[k] = j
		}
		return out, nil
	case typ.Is(tftypes.List{}), typ.Is(tftypes.Tuple{}), typ.Is(tftypes.Set{}):
		var l []tftypes.Value
		if err := v.As(&l); err != nil {
			return nil, err
		}
		out := make([]any, len(l))
		for i, e := range l {
			j, err := jsonOfTerraform(e)
			if err != nil {
				return nil, err
			}
			out[i] = j
		}
		return out, nil
	}
	return nil, fmt.Errorf("a value of type %s cannot be written as JSON", typ)
}
