package provider

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

// A new user's first plan with a wrong port, or with the emulator not
// running: the read fails within seconds, not after the 10-minute budget,
// and the error says where base_url comes from.
func TestProtocol_refusedConnectionFailsFastNamingBaseURL(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	baseURL := srv.URL
	srv.Close() // every connection refused from now on
	ps, schemas := configuredServer(t, "refused-key-"+randomSuffix(t), baseURL, nil)
	// Longer than RefusedConnectionBudget, far shorter than a read's own
	// 10-minute budget.
	ctx, cancel := context.WithTimeout(context.Background(), 3*client.RefusedConnectionBudget)
	defer cancel()
	start := time.Now()
	read, err := ps.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{
		TypeName: "diga_flow",
		Config:   configValue(t, schemas.DataSourceSchemas["diga_flow"].ValueType(), map[string]string{"id": "f1"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	text := diagText(read.Diagnostics)
	if !hasErrors(read.Diagnostics) || !strings.Contains(text, "base_url") || !strings.Contains(text, baseURL) ||
		!strings.Contains(text, envBaseURL) {
		t.Errorf("after %s: %s", took, text)
	}
	if took > client.RefusedConnectionBudget+5*time.Second {
		t.Errorf("the read took %s", took)
	}
}
