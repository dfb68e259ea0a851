package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

var (
	_ datasource.DataSourceWithConfigure = &executionsDataSource{}
	_ datasource.DataSourceWithConfigure = &executionDataSource{}
)

// runAttrTypes is one run in both data sources (FlowRunResponse).
var runAttrTypes = map[string]attr.Type{
	"id":                       types.StringType,
	"flow_id":                  types.StringType,
	"flow_display_name":        types.StringType,
	"status":                   types.StringType,
	"created":                  types.StringType,
	"updated":                  types.StringType,
	"start_time":               types.StringType,
	"finish_time":              types.StringType,
	"duration_ms":              types.Int64Type,
	"steps_count":              types.Int64Type,
	"failed_step_name":         types.StringType,
	"failed_step_display_name": types.StringType,
}

func runSchemaAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"id":                       schema.StringAttribute{Computed: true, MarkdownDescription: "Run id."},
		"flow_id":                  schema.StringAttribute{Computed: true, MarkdownDescription: "Flow id."},
		"flow_display_name":        schema.StringAttribute{Computed: true, MarkdownDescription: "The flow's name at the run."},
		"status":                   schema.StringAttribute{Computed: true, MarkdownDescription: "FlowRunStatus: `QUEUED`, `RUNNING`, `PAUSED`, `SUCCEEDED`, `FAILED`, `TIMEOUT`, `CANCELED`, `INTERNAL_ERROR`, `QUOTA_EXCEEDED` or `MEMORY_LIMIT_EXCEEDED`."},
		"created":                  schema.StringAttribute{Computed: true, MarkdownDescription: "Creation time (RFC 3339)."},
		"updated":                  schema.StringAttribute{Computed: true, MarkdownDescription: "Time of the last change (RFC 3339)."},
		"start_time":               schema.StringAttribute{Computed: true, MarkdownDescription: "Start (RFC 3339); null when not reported."},
		"finish_time":              schema.StringAttribute{Computed: true, MarkdownDescription: "End (RFC 3339); null when not reported."},
		"duration_ms":              schema.Int64Attribute{Computed: true, MarkdownDescription: "Duration in milliseconds; null when not reported."},
		"steps_count":              schema.Int64Attribute{Computed: true, MarkdownDescription: "Number of steps; null when not reported."},
		"failed_step_name":         schema.StringAttribute{Computed: true, MarkdownDescription: "Name of the step that failed; null when none did."},
		"failed_step_display_name": schema.StringAttribute{Computed: true, MarkdownDescription: "Display name of the step that failed."},
	}
}

func runValues(r *client.Run) map[string]attr.Value {
	optTime := func(t *time.Time) types.String {
		if t == nil {
			return types.StringNull()
		}
		return timeValue(*t)
	}
	v := map[string]attr.Value{
		"id":                       types.StringValue(r.ID),
		"flow_id":                  types.StringValue(r.FlowID),
		"flow_display_name":        types.StringPointerValue(r.FlowDisplayName),
		"status":                   types.StringValue(string(r.Status)),
		"created":                  timeValue(r.Created),
		"updated":                  timeValue(r.Updated),
		"start_time":               optTime(r.StartTime),
		"finish_time":              optTime(r.Finish),
		"duration_ms":              types.Int64PointerValue(r.Duration),
		"steps_count":              types.Int64PointerValue(r.StepsCount),
		"failed_step_name":         types.StringNull(),
		"failed_step_display_name": types.StringNull(),
	}
	if r.FailedStep != nil {
		v["failed_step_name"] = types.StringPointerValue(r.FailedStep.Name)
		v["failed_step_display_name"] = types.StringPointerValue(r.FailedStep.DisplayName)
	}
	return v
}

var runStatuses = func() []string {
	out := make([]string, len(client.RunStatuses))
	for i, s := range client.RunStatuses {
		out[i] = string(s)
	}
	return out
}()

// diga_flow_executions: one flow's runs, newest first, all pages.
type executionsDataSource struct{ dataSourceBase }

type executionsModel struct {
	FlowID        types.String      `tfsdk:"flow_id"`
	Status        types.String      `tfsdk:"status"`
	CreatedAfter  timetypes.RFC3339 `tfsdk:"created_after"`
	CreatedBefore timetypes.RFC3339 `tfsdk:"created_before"`
	Executions    types.List        `tfsdk:"executions"`
}

func newExecutionsDataSource() datasource.DataSource { return &executionsDataSource{} }

func (d *executionsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_flow_executions"
}

func (d *executionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the runs (executions) of one flow, newest first, following Diga's cursor pagination " +
			"to the end (at most 30 runs a page). Test runs made by `test_before_publish` and `diga_flow_test` are " +
			"runs too. Per-step results are in `diga_flow_execution`.",
		Attributes: map[string]schema.Attribute{
			"flow_id": schema.StringAttribute{
				MarkdownDescription: "ID of the flow.",
				Required:            true,
				Validators:          []validator.String{pathSegmentValidator{kind: "flow id"}},
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "Only runs with this status (filtered by Diga).",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(runStatuses...)},
			},
			"created_after": schema.StringAttribute{
				MarkdownDescription: "Only runs created after this time (RFC 3339, e.g. `2026-01-01T00:00:00Z`).",
				Optional:            true,
				CustomType:          timetypes.RFC3339Type{},
			},
			"created_before": schema.StringAttribute{
				MarkdownDescription: "Only runs created before this time (RFC 3339).",
				Optional:            true,
				CustomType:          timetypes.RFC3339Type{},
			},
			"executions": schema.ListNestedAttribute{
				MarkdownDescription: "The matching runs, newest first.",
				Computed:            true,
				NestedObject:        schema.NestedAttributeObject{Attributes: runSchemaAttributes()},
			},
		},
	}
}

func (d *executionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg executionsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	c := d.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	p := client.ListExecutionsParams{Status: client.RunStatus(cfg.Status.ValueString())}
	for _, b := range []struct {
		v   timetypes.RFC3339
		dst *time.Time
	}{{cfg.CreatedAfter, &p.CreatedAfter}, {cfg.CreatedBefore, &p.CreatedBefore}} {
		if b.v.IsNull() || b.v.IsUnknown() {
			continue
		}
		t, diags := b.v.ValueRFC3339Time()
		resp.Diagnostics.Append(diags...)
		*b.dst = t
	}
	if resp.Diagnostics.HasError() {
		return
	}
	listed, err := c.ListExecutions(ctx, cfg.FlowID.ValueString(), p)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to list flow executions", err, map[string]path.Path{
			"query.status": path.Root("status"), "query.created_after": path.Root("created_after"),
			"query.created_before": path.Root("created_before"),
		})
		return
	}
	addRepeatsWarning(&resp.Diagnostics, "runs", listed.Repeated)
	runs := listed.Items
	items := make([]attr.Value, 0, len(runs))
	for i := range runs {
		obj, diags := types.ObjectValue(runAttrTypes, runValues(&runs[i]))
		resp.Diagnostics.Append(diags...)
		items = append(items, obj)
	}
	cfg.Executions = types.ListValueMust(types.ObjectType{AttrTypes: runAttrTypes}, items)
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

// diga_flow_execution: one run with its per-step results.
type executionDataSource struct{ dataSourceBase }

var stepResultType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"name":          types.StringType,
	"status":        types.StringType,
	"error_message": types.StringType,
	"output":        types.StringType,
	"raw":           types.StringType,
}}

func newExecutionDataSource() datasource.DataSource { return &executionDataSource{} }

func (d *executionDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_flow_execution"
}

func (d *executionDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := runSchemaAttributes()
	attrs["id"] = schema.StringAttribute{
		MarkdownDescription: "Run id, e.g. from `diga_flow_executions`.",
		Required:            true,
		Validators:          []validator.String{pathSegmentValidator{kind: "run id"}},
	}
	attrs["steps"] = schema.ListNestedAttribute{
		MarkdownDescription: "Per-step results, by step name. Diga leaves their shape open; they are read as " +
			"Activepieces' step output, and `raw` keeps each one as received.",
		Computed: true,
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"name":          schema.StringAttribute{Computed: true, MarkdownDescription: "Step name."},
			"status":        schema.StringAttribute{Computed: true, MarkdownDescription: "The step's status (e.g. `SUCCEEDED`, `FAILED`); null when not reported."},
			"error_message": schema.StringAttribute{Computed: true, MarkdownDescription: "Diga's error message; null when none."},
			"output":        schema.StringAttribute{Computed: true, MarkdownDescription: "The step's output as JSON text; null when none."},
			"raw":           schema.StringAttribute{Computed: true, MarkdownDescription: "The step's whole result as JSON text."},
		}},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "One run (execution) of a flow, with its per-step results.",
		Attributes:          attrs,
	}
}

func (d *executionDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var id types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("id"), &id)...)
	c := d.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	run, err := c.GetExecution(ctx, id.ValueString())
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to read flow execution", err, nil)
		return
	}
	values := runValues(run)
	steps := make([]attr.Value, 0, len(run.Steps))
	for _, s := range run.Steps {
		obj, diags := types.ObjectValue(stepResultType.AttrTypes, map[string]attr.Value{
			"name":          types.StringValue(s.Name),
			"status":        nullIfEmpty(s.Status),
			"error_message": nullIfEmpty(s.ErrorMessage),
			"output":        jsonText(s.Output),
			"raw":           jsonText(s.Raw),
		})
		resp.Diagnostics.Append(diags...)
		steps = append(steps, obj)
	}
	values["steps"] = types.ListValueMust(stepResultType, steps)
	attrTypes := map[string]attr.Type{"steps": types.ListType{ElemType: stepResultType}}
	maps.Copy(attrTypes, runAttrTypes)
	obj, diags := types.ObjectValue(attrTypes, values)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.State.Set(ctx, obj)...)
}

func nullIfEmpty(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

func jsonText(raw json.RawMessage) types.String {
	if raw == nil {
		return types.StringNull()
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return types.StringValue(string(raw))
	}
	return types.StringValue(buf.String())
}
