package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
)

// dataSourceBase carries the provider data every data source needs. Data
// sources cannot defer: an unknown provider configuration is an error when
// they are read (providerData.apiClient says so).
type dataSourceBase struct {
	data *providerData
}

func (d *dataSourceBase) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}
