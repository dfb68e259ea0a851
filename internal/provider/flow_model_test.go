package provider

import (
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// sameAs compares every field; this fails when a field is added that is not
// an attr.Value (sameAs would panic on it).
func TestFlowModelSameAs(t *testing.T) {
	t.Parallel()
	typ := reflect.TypeFor[flowModel]()
	valueType := reflect.TypeFor[attr.Value]()
	for i := range typ.NumField() {
		if f := typ.Field(i); !f.Type.Implements(valueType) {
			t.Errorf("flowModel.%s (%s) is not an attr.Value", f.Name, f.Type)
		}
	}
	a := emptyFlowModel()
	a.ID, a.Name = types.StringValue("f1"), types.StringValue("n")
	if !a.sameAs(a) {
		t.Error("a model is not the same as itself")
	}
	// Every field, changed alone, makes a difference.
	for i := range typ.NumField() {
		b := a
		f := reflect.ValueOf(&b).Elem().Field(i)
		switch v := f.Interface().(type) {
		case types.String:
			f.Set(reflect.ValueOf(types.StringValue(v.ValueString() + "x")))
		case types.Bool:
			f.Set(reflect.ValueOf(types.BoolValue(true)))
		case types.List:
			f.Set(reflect.ValueOf(types.ListUnknown(types.StringType)))
		case types.Map:
			f.Set(reflect.ValueOf(types.MapUnknown(types.StringType)))
		case definitionValue:
			f.Set(reflect.ValueOf(definitionText(`{"type":"EMPTY"}`)))
		case timeouts.Value:
			f.Set(reflect.ValueOf(timeouts.Value{Object: types.ObjectUnknown(timeoutsAttrTypes)}))
		default:
			t.Fatalf("flowModel.%s: no changed value for %T in this test", typ.Field(i).Name, v)
		}
		if a.sameAs(b) {
			t.Errorf("changing flowModel.%s went unnoticed", typ.Field(i).Name)
		}
	}
}
