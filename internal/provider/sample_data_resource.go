package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

// diga_flow_sample_data: a step's sample data as code. Diga keeps sample
// data with the draft's steps, and importing a definition replaces every
// step, so an import drops it; Read then finds none and the resource is
// planned again (see the schema description).

var (
	_ resource.Resource                   = &sampleDataResource{}
	_ resource.ResourceWithConfigure      = &sampleDataResource{}
	_ resource.ResourceWithValidateConfig = &sampleDataResource{}
	_ resource.ResourceWithImportState    = &sampleDataResource{}
)

type sampleDataResource struct {
	data *providerData
}

type sampleDataModel struct {
	ID       types.String `tfsdk:"id"`
	FlowID   types.String `tfsdk:"flow_id"`
	StepName types.String `tfsdk:"step_name"`
	Type     types.String `tfsdk:"type"`
	DataType types.String `tfsdk:"data_type"`
	Payload  types.String `tfsdk:"payload"`
}

func newSampleDataResource() resource.Resource { return &sampleDataResource{} }

func (r *sampleDataResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_flow_sample_data"
}

func (r *sampleDataResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Sample data of one step (or the trigger) of a flow's draft: the mock input Diga's step and " +
			"flow tests use. Needed for triggers whose test strategy is simulation, such as the Diga function-call " +
			"trigger, which cannot produce a sample by themselves.\n\n" +
			"**Imports drop sample data.** Diga keeps sample data with the draft's steps, and every import of a " +
			"`diga_flow` definition replaces all steps. After a definition change the next refresh finds the sample " +
			"data gone and plans to store it again. To store it again in the same apply, add " +
			"`lifecycle { replace_triggered_by = [diga_flow.<name>.definition] }`. A `test_before_publish` gate runs " +
			"inside the flow's own apply, before this resource is stored again, so it sees no sample data from here " +
			"for a definition it has just imported.\n\n" +
			"Diga has no operation to delete sample data: destroying this resource overwrites it with `null`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`<flow_id>/<step_name>/<type>`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"flow_id": schema.StringAttribute{
				MarkdownDescription: "ID of the flow.",
				Required:            true,
				PlanModifiers:       replace,
				Validators:          []validator.String{pathSegmentValidator{kind: "flow id"}},
			},
			"step_name": schema.StringAttribute{
				MarkdownDescription: "Name of the step in the definition (e.g. `step_1`), or the trigger's (`trigger`).",
				Required:            true,
				PlanModifiers:       replace,
				Validators:          []validator.String{stepNameValidator{}},
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "`OUTPUT` (default: what the step produces, used as input by later steps) or `INPUT`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(client.SampleOutput),
				PlanModifiers:       replace,
				Validators:          []validator.String{stringvalidator.OneOf(client.SampleInput, client.SampleOutput)},
			},
			"data_type": schema.StringAttribute{
				MarkdownDescription: "`JSON` (default) or `STRING`. With `STRING`, `payload` must encode a string, " +
					"e.g. `jsonencode(\"raw text\")`.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(client.DataJSON),
				Validators: []validator.String{stringvalidator.OneOf(client.DataJSON, client.DataString)},
			},
			"payload": schema.StringAttribute{
				MarkdownDescription: "The sample data as JSON text, usually `jsonencode({...})`: any JSON value.",
				Required:            true,
			},
		},
	}
}

func (r *sampleDataResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig checks the payload at plan time: valid JSON, and a JSON
// string when data_type is STRING.
func (r *sampleDataResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m sampleDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.Payload.IsUnknown() || m.Payload.IsNull() {
		return
	}
	var v any
	if err := json.Unmarshal([]byte(m.Payload.ValueString()), &v); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("payload"), "payload is not JSON",
			fmt.Sprintf("payload must be JSON text (%v). Write it with jsonencode(...), e.g. payload = jsonencode({ phone = \"+34600000000\" }).", err))
		return
	}
	if _, isString := v.(string); !isString && !m.DataType.IsUnknown() && m.DataType.ValueString() == client.DataString {
		resp.Diagnostics.AddAttributeError(path.Root("payload"), "payload is not a string",
			"data_type = \"STRING\" needs payload to encode a JSON string, e.g. payload = jsonencode(\"raw text\"). "+
				"Use data_type = \"JSON\" (the default) for objects, arrays, numbers and booleans.")
	}
}

func (m *sampleDataModel) request() client.SaveSampleDataRequest {
	return client.SaveSampleDataRequest{Payload: json.RawMessage(m.Payload.ValueString()), Type: m.Type.ValueString(), DataType: m.DataType.ValueString()}
}

var sampleDataFieldPaths = map[string]path.Path{
	"body.payload":   path.Root("payload"),
	"body.type":      path.Root("type"),
	"body.dataType":  path.Root("data_type"),
	"path.step_name": path.Root("step_name"),
	"path.flow_id":   path.Root("flow_id"),
}

func (r *sampleDataResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m sampleDataModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || !r.store(ctx, &m, &resp.Diagnostics) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *sampleDataResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m sampleDataModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || !r.store(ctx, &m, &resp.Diagnostics) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// store saves the model's sample data (an upsert on Diga's side).
func (r *sampleDataResource) store(ctx context.Context, m *sampleDataModel, diags *diag.Diagnostics) bool {
	c := r.data.apiClient(diags)
	if c == nil {
		return false
	}
	if _, err := c.SaveSampleData(ctx, m.FlowID.ValueString(), m.StepName.ValueString(), m.request()); err != nil {
		addAPIError(diags, "Unable to save sample data", err, sampleDataFieldPaths)
		return false
	}
	m.ID = types.StringValue(sampleDataID(m.FlowID.ValueString(), m.StepName.ValueString(), m.Type.ValueString()))
	tflog.Info(ctx, "Saved Diga step sample data", map[string]any{"flow_id": m.FlowID.ValueString(), "step": m.StepName.ValueString()})
	return true
}

// sampleDataID is the resource's id, <flow_id>/<step_name>/<type>, each
// part escaped as a URL path segment (ordinary ids and step names are left
// as they are). A flow id holding "/" or "%" therefore still gives an id
// that parseSampleDataID reads back: every id the resource reports imports.
func sampleDataID(flowID, step, typ string) string {
	return url.PathEscape(flowID) + "/" + url.PathEscape(step) + "/" + typ
}

// parseSampleDataID reads an id written by sampleDataID (or by hand) and
// checks its parts as the attributes' validators check the configuration.
func parseSampleDataID(id string) (flowID, step, typ string, err error) {
	parts := strings.Split(id, "/")
	if len(parts) != 3 {
		return "", "", "", fmt.Errorf("it has %d part(s) separated by \"/\", not 3", len(parts))
	}
	if flowID, err = url.PathUnescape(parts[0]); err != nil {
		return "", "", "", fmt.Errorf("the flow id %q is not escaped correctly: %w", parts[0], err)
	}
	if step, err = url.PathUnescape(parts[1]); err != nil {
		return "", "", "", fmt.Errorf("the step name %q is not escaped correctly: %w", parts[1], err)
	}
	typ = parts[2]
	switch {
	case client.CheckPathSegment("flow id", flowID) != nil:
		return "", "", "", client.CheckPathSegment("flow id", flowID)
	case !flowdef.ValidStepName(step):
		return "", "", "", fmt.Errorf("%q is not a step name (a letter or underscore, then letters, digits and underscores)", step)
	case typ != client.SampleInput && typ != client.SampleOutput:
		return "", "", "", fmt.Errorf("the type %q is neither INPUT nor OUTPUT", typ)
	}
	return flowID, step, typ, nil
}

// Read removes the resource when Diga holds no sample data (null) for the
// step any more (an import replaced the steps), or the flow or step is
// gone; otherwise it keeps the configured text when it means the same.
func (r *sampleDataResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m sampleDataModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || r.data.deferred() {
		return
	}
	c := r.data.apiClient(&resp.Diagnostics)
	if c == nil {
		return
	}
	data, err := c.GetSampleData(ctx, m.FlowID.ValueString(), m.StepName.ValueString(), m.Type.ValueString())
	switch {
	case client.IsNotFound(err) || (err == nil && data == nil):
		tflog.Warn(ctx, "Diga holds no sample data for the step any more; planning to store it again", map[string]any{"id": m.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	case isStepNotFound(err):
		resp.State.RemoveResource(ctx)
		return
	case err != nil:
		addAPIError(&resp.Diagnostics, "Unable to read sample data", err, sampleDataFieldPaths)
		return
	}
	if !jsonSame(data, []byte(m.Payload.ValueString())) {
		var buf bytes.Buffer
		if json.Compact(&buf, data) == nil {
			m.Payload = types.StringValue(buf.String())
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// isStepNotFound: Diga's 400 STEP_NOT_FOUND, the step no longer exists.
func isStepNotFound(err error) bool {
	var e *client.APIError
	return errors.As(err, &e) && e.ErrorCode == "STEP_NOT_FOUND"
}

func jsonSame(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// Delete overwrites the sample data with null: Diga offers no delete.
func (r *sampleDataResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var m sampleDataModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	c := r.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	_, err := c.SaveSampleData(ctx, m.FlowID.ValueString(), m.StepName.ValueString(), client.SaveSampleDataRequest{
		Payload: json.RawMessage("null"), Type: m.Type.ValueString(), DataType: client.DataJSON,
	})
	if err != nil && !client.IsNotFound(err) && !isStepNotFound(err) {
		addAPIError(&resp.Diagnostics, "Unable to clear sample data", err, sampleDataFieldPaths)
	}
}

// ImportState takes `<flow_id>/<step_name>/<INPUT|OUTPUT>`, the resource's
// own id.
func (r *sampleDataResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	flowID, step, typ, err := parseSampleDataID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("Expected <flow_id>/<step_name>/<INPUT|OUTPUT>, e.g. abc123/trigger/OUTPUT (the resource's id); "+
				"got %q: %s.", req.ID, err))
		return
	}
	m := sampleDataModel{
		ID: types.StringValue(sampleDataID(flowID, step, typ)), FlowID: types.StringValue(flowID), StepName: types.StringValue(step),
		Type: types.StringValue(typ), DataType: types.StringValue(client.DataJSON), Payload: types.StringValue("null"),
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
