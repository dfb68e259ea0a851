package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

// deferred reports whether the provider block's values were not known yet
// when Terraform configured it (they come from a resource not yet
// created). Plans and refreshes then keep the prior state; nothing can be
// sent without a key.
func (pd *providerData) deferred() bool { return pd != nil && pd.client == nil }

// apiClient is the one way resources, data sources, list resources and
// actions get the configured client. It adds one diagnostic and returns nil
// when there is none: the provider was not configured (a bug) or its values
// are not known yet. Code that should do nothing rather than fail then (a
// Read keeping the prior state, a plan-time check) tests deferred() (and
// nil provider data) first, and then asks apiClient.
func (pd *providerData) apiClient(diags *diag.Diagnostics) *client.Client {
	if pd == nil {
		diags.AddError("Diga provider not configured",
			"Terraform did not configure the diga provider before using it. This is a bug in the provider; please report it.")
		return nil
	}
	if pd.client == nil {
		diags.AddError("Diga provider not configured",
			"The provider's api_key or base_url is not known yet: it comes from a resource that has not been created. "+
				"Apply that resource first (for example with -target), then apply again.")
		return nil
	}
	return pd.client
}

// providerDataOf extracts the provider data handed to Configure. It
// returns nil without error while Terraform has not configured the
// provider (ProviderData is nil during validation).
func providerDataOf(data any, diags *diag.Diagnostics) *providerData {
	if data == nil {
		return nil
	}
	pd, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", data))
		return nil
	}
	return pd
}
