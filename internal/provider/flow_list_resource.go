package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ list.ListResource              = &flowListResource{}
	_ list.ListResourceWithConfigure = &flowListResource{}
)

// flowListResource lets `terraform query` (Terraform ≥ 1.14) discover the
// project's flows, each with its identity and, on request, the full
// resource object, ready for generated import configuration.
type flowListResource struct {
	data *providerData
}

type flowListConfig struct {
	Status       types.String `tfsdk:"status"`
	FlowCategory types.String `tfsdk:"flow_category"`
	NameRegex    types.String `tfsdk:"name_regex"`
}

func newFlowListResource() list.ListResource { return &flowListResource{} }

func (l *flowListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_flow"
}

func (l *flowListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listschema.Schema{
		MarkdownDescription: "Lists the flows of the project, newest first, for `terraform query`.",
		Attributes: map[string]listschema.Attribute{
			"status": listschema.StringAttribute{
				MarkdownDescription: "Only flows with this status: `ENABLED` or `DISABLED`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(flowStatuses...)},
			},
			"flow_category": listschema.StringAttribute{
				MarkdownDescription: "Only flows of this category.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(flowCategories...)},
			},
			"name_regex": listschema.StringAttribute{
				MarkdownDescription: "Only flows whose name matches this RE2 regular expression.",
				Optional:            true,
				Validators:          []validator.String{regexValidator{}},
			},
		},
	}
}

func (l *flowListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	l.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}

func (l *flowListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg flowListConfig
	diags := req.Config.Get(ctx, &cfg)
	c := l.data.apiClient(&diags)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	params, re := flowFilter(cfg.Status, cfg.FlowCategory, types.BoolNull(), cfg.NameRegex)
	listed, err := c.ListFlows(ctx, params)
	if err != nil {
		addAPIError(&diags, "Unable to list flows", err, nil)
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	flows := listed.Items
	// The warning (if any) rides on the first result, or comes alone
	// when nothing matches.
	addRepeatsWarning(&diags, "flows", listed.Repeated)

	stream.Results = func(push func(list.ListResult) bool) {
		var sent int64
		defer func() {
			if sent == 0 && len(diags) > 0 {
				push(list.ListResult{Diagnostics: diags})
			}
		}()
		for i := range flows {
			f := &flows[i]
			if re != nil && (f.Name == nil || !re.MatchString(*f.Name)) {
				continue
			}
			if req.Limit > 0 && sent >= req.Limit {
				return
			}
			result := req.NewListResult(ctx)
			if sent == 0 {
				result.Diagnostics.Append(diags...)
			}
			if f.Name != nil {
				result.DisplayName = *f.Name
			}
			setIdentity(ctx, result.Identity, types.StringValue(f.ID))
			if req.IncludeResource {
				m := emptyFlowModel()
				result.Diagnostics.Append(m.readFlow(ctx, f)...)
				result.Diagnostics.Append(setFlowModel(ctx, &result.Resource.Raw, &m)...)
			}
			sent++
			if !push(result) {
				return
			}
		}
	}
}
