package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The reliability settings decode into the provider model (request_timeout
// is a timetypes.GoDuration) and configure a client without a diagnostic;
// their bad values are covered at validate (provider_validate_test.go).
func TestProtocol_reliabilitySettingsConfigure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ps, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := ps.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || hasErrors(schemas.Diagnostics) {
		t.Fatalf("GetProviderSchema: %v %v", err, schemas.Diagnostics)
	}
	cfgType := schemas.Provider.ValueType().(tftypes.Object)
	cfgVals := map[string]tftypes.Value{
		"api_key":                 tftypes.NewValue(tftypes.String, "k-123"),
		"base_url":                tftypes.NewValue(tftypes.String, "http://127.0.0.1:1"),
		"request_timeout":         tftypes.NewValue(tftypes.String, "1m30s"),
		"max_retries":             tftypes.NewValue(tftypes.Number, 2),
		"max_requests_per_second": tftypes.NewValue(tftypes.Number, 2.5),
		"catalog_checks":          tftypes.NewValue(tftypes.Bool, false),
		"batch_reads":             tftypes.NewValue(tftypes.Bool, false),
	}
	if len(cfgVals) != len(cfgType.AttributeTypes) {
		t.Fatalf("the provider block has %d attributes; this test sets %d", len(cfgType.AttributeTypes), len(cfgVals))
	}
	cfg, err := tfprotov6.NewDynamicValue(cfgType, tftypes.NewValue(cfgType, cfgVals))
	if err != nil {
		t.Fatal(err)
	}
	validated, err := ps.ValidateProviderConfig(ctx, &tfprotov6.ValidateProviderConfigRequest{Config: &cfg})
	if err != nil || len(validated.Diagnostics) != 0 {
		t.Fatalf("ValidateProviderConfig: %v %s", err, diagText(validated.Diagnostics))
	}
	conf, err := ps.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.14.0", Config: &cfg})
	if err != nil || len(conf.Diagnostics) != 0 {
		t.Fatalf("ConfigureProvider: %v %s", err, diagText(conf.Diagnostics))
	}
}
