// Package provider implements the Diga Terraform provider with
// terraform-plugin-framework: the provider block, the diga_flow resource and
// the helpers that turn Diga API answers into Terraform diagnostics. It talks
// to Diga only through internal/client and never builds HTTP requests itself.
package provider

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

const (
	// Address is the provider's registry address.
	Address = "registry.terraform.io/diga-io/diga"

	envAPIKey  = "DIGA_API_KEY"
	envBaseURL = "DIGA_BASE_URL"
)

var (
	_ provider.Provider                   = &digaProvider{}
	_ provider.ProviderWithValidateConfig = &digaProvider{}
	_ provider.ProviderWithListResources  = &digaProvider{}
	_ provider.ProviderWithFunctions      = &digaProvider{}
	_ provider.ProviderWithActions        = &digaProvider{}
)

// digaProvider is the provider implementation; version is the release
// version ("dev" for local builds, "test" in acceptance tests).
type digaProvider struct {
	version string
}

// digaProviderModel maps the provider block.
type digaProviderModel struct {
	APIKey               types.String         `tfsdk:"api_key"`
	BaseURL              types.String         `tfsdk:"base_url"`
	MaxRetries           types.Int64          `tfsdk:"max_retries"`
	RequestTimeout       timetypes.GoDuration `tfsdk:"request_timeout"`
	MaxRequestsPerSecond types.Float64        `tfsdk:"max_requests_per_second"`
	CatalogChecks        types.Bool           `tfsdk:"catalog_checks"`
	BatchReads           types.Bool           `tfsdk:"batch_reads"`
}

// providerData is what Configure hands to resources and data sources. A nil
// client means the provider configuration was not known yet (for example an
// api_key that comes from a resource created in the same apply).
type providerData struct {
	client *client.Client
	// project identifies the project of the configured key (see projectID).
	project string
	// planned holds the connections this provider instance's plan creates.
	planned *plannedConnections
	// catalog serves diga_flow's plan-time piece checks (when
	// catalogChecks, the provider's catalog_checks) and the piece versions
	// an import fills in.
	catalog       *pieceCatalog
	catalogChecks bool
	// agents holds what this instance's plan learns for diga_agent_flows:
	// the flows diga_flow plans, the agents claimed, who uses which flow.
	agents *agentPlans
}

// New returns a constructor for the provider, as providerserver expects.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &digaProvider{version: version}
	}
}

func (p *digaProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "diga"
	resp.Version = p.version
}

func (p *digaProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The Diga provider manages [Diga](https://diga.io) workflow automations (flows) " +
			"through the Diga public API.",
		Attributes: map[string]schema.Attribute{
			"api_key": schema.StringAttribute{
				MarkdownDescription: "Diga API key (Settings > Project > API Keys). The key selects the project " +
					"whose flows are managed. May also be set with the `" + envAPIKey + "` environment variable.",
				Optional:  true,
				Sensitive: true,
			},
			"base_url": schema.StringAttribute{
				MarkdownDescription: "Base URL of the Diga API. Defaults to `" + client.DefaultBaseURL + "`; may also be " +
					"set with the `" + envBaseURL + "` environment variable. Must use `https://`, except for a " +
					"loopback host (`127.0.0.1`, `::1`, `localhost`), such as a local Diga API emulator; no user " +
					"information, query string or fragment. Checked by `terraform validate`.",
				Optional:   true,
				Validators: []validator.String{baseURLValidator{}},
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Optional cap on how many times one request that failed with a "+
					"transient error (429, 502, 503, 504, a dropped connection or a timed-out attempt) is repeated. "+
					"Unset (the default), there is no count cap: such requests are retried, with capped exponential "+
					"backoff and jitter honouring `Retry-After`, until the operation's time budget is spent (the "+
					"resource's `timeouts`, or %d minutes per request where there are none), and the last error is reported "+
					"rather than waiting past it. A refused connection is retried for at most %d seconds of refusals, "+
					"then reported naming `base_url`. `0` disables retries. 401, 403, 404 and 422 are never retried.",
					int(client.DefaultCallBudget/time.Minute), int(client.RefusedConnectionBudget/time.Second)),
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(0, 20)},
			},
			"request_timeout": schema.StringAttribute{
				MarkdownDescription: "Time limit of one request attempt, as a Go duration such as `\"30s\"` or " +
					"`\"2m\"`; at least `\"1s\"`. Default `\"60s\"`. Resource `timeouts` bound a whole create, " +
					"update or delete, retries included.",
				Optional:   true,
				CustomType: timetypes.GoDurationType{},
				Validators: []validator.String{minDuration(minRequestTimeout, requestTimeoutTooShort)},
			},
			"max_requests_per_second": schema.Float64Attribute{
				MarkdownDescription: "Client-side limit on requests per second, shared by every resource and data " +
					"source of this provider instance (useful with high `-parallelism`). Default: no limit.",
				Optional:   true,
				Validators: []validator.Float64{float64validator.AtLeast(0)},
			},
			"catalog_checks": schema.BoolAttribute{
				MarkdownDescription: "Check, at plan, each `diga_flow` definition the apply would import against " +
					"Diga's piece catalogue (default `true`): a trigger or action the piece does not have, or a " +
					"required input missing from `settings.input`, is an error; an input the piece does not know, " +
					"or a piece the catalogue does not list (a private or custom piece), a warning. Each piece is " +
					"read once per run, with no API key. When the catalogue cannot be reached the plan goes on with " +
					"one warning; set `false` to turn the checks off, for example for air-gapped plans.",
				Optional: true,
			},
			"batch_reads": batchReadsAttribute(),
		},
	}
}

// ValidateConfig checks what the configuration alone shows, so `terraform
// validate` and plan report it before anything is sent.
func (p *digaProvider) ValidateConfig(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var cfg digaProviderModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !cfg.APIKey.IsNull() && !cfg.APIKey.IsUnknown() && strings.TrimSpace(cfg.APIKey.ValueString()) == "" {
		resp.Diagnostics.AddAttributeError(path.Root("api_key"), "Empty api_key",
			"api_key is set to an empty string. Set it to a Diga API key, or remove it and set the "+
				envAPIKey+" environment variable.")
	}
}

func (p *digaProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg digaProviderModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}

	// A value that comes from another resource is unknown during plan.
	// Without a key nothing can be read, so resources keep their prior state
	// until apply, when Terraform configures the provider again with known
	// values.
	if cfg.APIKey.IsUnknown() || cfg.BaseURL.IsUnknown() {
		tflog.Warn(ctx, "Diga provider configuration is not known yet; deferring API calls until it is")
		resp.DataSourceData = &providerData{}
		resp.ResourceData = &providerData{}
		resp.ListResourceData = &providerData{}
		return
	}

	apiKey := os.Getenv(envAPIKey)
	if !cfg.APIKey.IsNull() {
		apiKey = cfg.APIKey.ValueString()
	}
	apiKey = strings.TrimSpace(apiKey)
	ctx = maskSecret(ctx, apiKey)

	baseURL := os.Getenv(envBaseURL)
	if !cfg.BaseURL.IsNull() {
		baseURL = cfg.BaseURL.ValueString()
	}
	if baseURL == "" {
		baseURL = client.DefaultBaseURL
	}

	if apiKey == "" {
		resp.Diagnostics.AddAttributeError(path.Root("api_key"), "Missing Diga API key",
			"The provider needs a Diga API key. Set the api_key attribute in the provider \"diga\" block, "+
				"or the "+envAPIKey+" environment variable. Keys are created in the Diga dashboard under "+
				"Settings > Project > API Keys.")
	}
	if err := checkBaseURL(baseURL); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("base_url"), "Invalid base_url",
			err.Error()+" (the value comes from base_url or the "+envBaseURL+" environment variable).")
	}
	if resp.Diagnostics.HasError() {
		return
	}

	cc := client.Config{
		BaseURL:   baseURL,
		APIKey:    apiKey,
		UserAgent: userAgent(p.version, req.TerraformVersion),
		Logger:    tflogLogger{secret: apiKey},
	}
	if !cfg.MaxRetries.IsNull() && !cfg.MaxRetries.IsUnknown() {
		n := int(cfg.MaxRetries.ValueInt64())
		cc.MaxRetries = &n
	}
	if !cfg.RequestTimeout.IsNull() && !cfg.RequestTimeout.IsUnknown() {
		var diags diag.Diagnostics
		cc.RequestTimeout, diags = cfg.RequestTimeout.ValueGoDuration() // validated
		resp.Diagnostics.Append(diags...)
	}
	if !cfg.MaxRequestsPerSecond.IsNull() && !cfg.MaxRequestsPerSecond.IsUnknown() {
		cc.MaxRequestsPerSecond = cfg.MaxRequestsPerSecond.ValueFloat64()
	}
	cc.BatchReads = batchReads(cfg.BatchReads, os.Getenv)
	c, err := client.New(cc)
	if err != nil {
		resp.Diagnostics.AddError("Unable to create Diga API client", err.Error())
		return
	}
	tflog.Debug(ctx, "Configured Diga API client", map[string]any{"base_url": baseURL})

	data := &providerData{client: c, project: projectID(c.BaseURL(), apiKey), planned: &plannedConnections{},
		catalog: newPieceCatalog(c), agents: &agentPlans{}}
	data.catalogChecks = cfg.CatalogChecks.IsNull() || cfg.CatalogChecks.IsUnknown() || cfg.CatalogChecks.ValueBool()
	resp.DataSourceData = data
	resp.ResourceData = data
	resp.ListResourceData = data
	resp.ActionData = data
}

// Actions serves `terraform apply -invoke` and action_trigger (Terraform ≥ 1.14).
func (p *digaProvider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{
		newFlowTestAction,
		newStepTestAction,
	}
}

func (p *digaProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		newFlowResource,
		newAgentFlowsResource,
		newConnectionResource,
		newSampleDataResource,
	}
}

// ListResources serves `terraform query` (Terraform ≥ 1.14).
func (p *digaProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		newFlowListResource,
	}
}

// Functions are pure: they need no configured provider (Terraform ≥ 1.8).
func (p *digaProvider) Functions(_ context.Context) []func() function.Function {
	return []func() function.Function{
		newFlowFunction,
		newMermaidFunction,
	}
}

func (p *digaProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		newFlowDataSource,
		newFlowsDataSource,
		newFlowTemplatesDataSource,
		newFlowTemplateDataSource,
		newPiecesDataSource,
		newPieceDataSource,
		newConnectionsDataSource,
		newExecutionsDataSource,
		newExecutionDataSource,
		newAgentDataSource,
		newAgentsDataSource,
	}
}

// checkBaseURL enforces what the client needs of a base URL, so that
// `terraform validate` reports it on the attribute: an absolute http(s) URL
// without user information, query or fragment, and https except for
// loopback hosts, where plaintext is the local emulator case and never
// leaves the machine. Messages never repeat credentials found in the URL.
func checkBaseURL(raw string) error {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Opaque != "" || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("base_url %s is not an absolute http(s) URL such as %s", quoteURL(raw, u), client.DefaultBaseURL)
	}
	shown := quoteURL(raw, u)
	switch {
	case u.User != nil:
		return fmt.Errorf("base_url %s contains user information (user:password@): the API key is the only "+
			"credential and goes in api_key; remove the part before the host", shown)
	case u.RawQuery != "" || u.ForceQuery:
		return fmt.Errorf("base_url %s has a query string (?…): give only the scheme, host and optional base path", shown)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return fmt.Errorf("base_url %s has a fragment (#…): give only the scheme, host and optional base path", shown)
	case u.Scheme == "http":
		if err := client.CheckPlainHTTPHost(u.Hostname()); err != nil {
			return fmt.Errorf("base_url %s uses plaintext http, which is accepted only for a loopback host so that "+
				"the API key is never sent unencrypted over a network: %w", shown, err)
		}
	}
	return nil
}

// quoteURL quotes a base URL for a message, with any password replaced by
// xxxxx; a text that does not parse and holds an "@" is not repeated.
func quoteURL(raw string, u *url.URL) string {
	if u != nil && u.User != nil {
		return strconv.Quote(u.Redacted())
	}
	if u == nil && strings.Contains(raw, "@") {
		return "(not shown: it may hold credentials)"
	}
	return strconv.Quote(raw)
}

// baseURLValidator runs checkBaseURL on the configured base_url at
// validate time.
type baseURLValidator struct{}

func (baseURLValidator) Description(context.Context) string {
	return "must be an absolute https URL (http only for a loopback host) without user information, query or fragment"
}

func (v baseURLValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (baseURLValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := checkBaseURL(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid base_url", err.Error()+".")
	}
}

func userAgent(providerVersion, terraformVersion string) string {
	ua := "terraform-provider-diga/" + providerVersion
	if terraformVersion != "" {
		ua += " Terraform/" + terraformVersion
	}
	return ua
}

// minRequestTimeout is the shortest request_timeout accepted. Below about
// a second an attempt can time out before a TLS handshake and a round trip
// to the API finish, so every request would fail; a create would then end
// as a lost answer, with the warning that a flow "may now exist".
const minRequestTimeout = time.Second

// requestTimeoutTooShort ends the message for a request_timeout below
// minRequestTimeout.
var requestTimeoutTooShort = fmt.Sprintf(": an attempt that short can time out before a request reaches Diga "+
	"and its answer returns, so every request would fail. Use at least %q; the default is %q.",
	minRequestTimeout.String(), client.DefaultRequestTimeout.String())
