package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/Diga-io/terraform-provider-diga/internal/contract"
	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// repeatingListing serves the emulator with n flows, except that every
// page of GET /v1/workflow/ after the first starts again with a flow an
// earlier page held, as a listing that is not a snapshot does: by cursor,
// the flow the cursor names (it changed while the pages were read); by
// page number, the last flow of the page before (a flow created meanwhile
// moved every later one down by one). It returns the seeded ids.
func repeatingListing(t *testing.T, n int) (apiURL, key string, ids []string) {
	t.Helper()
	key = "proto-key-" + randomSuffix(t)
	emu := emulator.New(emulator.WithAPIKeys(key))
	api := httptest.NewServer(contract.Wrap(t, emu))
	t.Cleanup(api.Close)
	ids = emu.SeedFlows(key, n, "listed-")
	upstream, err := url.Parse(api.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(upstream)
	proxy.ModifyResponse = func(resp *http.Response) error {
		q := resp.Request.URL.Query()
		after := q.Get("after")
		pageNo, _ := strconv.Atoi(q.Get("page"))
		if resp.Request.URL.Path != "/v1/workflow/" || (after == "" && pageNo < 2) || resp.StatusCode != http.StatusOK {
			return nil
		}
		var page map[string]json.RawMessage
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return err
		}
		repeated, err := repeatedFlow(emu, key, after, q.Get("limit"), pageNo)
		if err != nil {
			return err
		}
		var data []json.RawMessage
		if err := json.Unmarshal(page["data"], &data); err != nil {
			return err
		}
		page["data"], _ = json.Marshal(append([]json.RawMessage{repeated}, data...))
		body, _ = json.Marshal(page)
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)
	return front.URL, key, ids
}

// repeatedFlow is the flow a page of repeatingListing repeats: the one the
// cursor after names, or the last of page pageNo-1.
func repeatedFlow(emu *emulator.Server, key, after, limit string, pageNo int) (json.RawMessage, error) {
	target := "/v1/workflow/" + after
	if after == "" {
		target = "/v1/workflow/?limit=" + limit + "&page=" + strconv.Itoa(pageNo-1)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	emu.ServeHTTP(rec, req)
	if after != "" {
		return rec.Body.Bytes(), nil
	}
	var prev struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &prev); err != nil {
		return nil, fmt.Errorf("page %d before a repeated one: %w", pageNo-1, err)
	}
	if len(prev.Data) == 0 {
		return nil, fmt.Errorf("page %d before a repeated one is empty: %s", pageNo-1, rec.Body.Bytes())
	}
	return prev.Data[len(prev.Data)-1], nil
}

// data.diga_flows lists each flow once when a page repeats one, and says
// so in a warning; the bulk-import guide's `for` expression keyed by id
// then works.
func TestProtocol_flowsDataSourceDeduplicatesRepeatedFlows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	apiURL, key, seeded := repeatingListing(t, 45) // two pages of 30
	ps, schemas := configuredServer(t, key, apiURL, nil)
	typ := schemas.DataSourceSchemas["diga_flows"].ValueType()
	read, err := ps.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{TypeName: "diga_flows", Config: configValue(t, typ, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if hasErrors(read.Diagnostics) {
		t.Fatal(diagText(read.Diagnostics))
	}
	v, err := read.State.Unmarshal(typ)
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	_ = v.As(&attrs)
	var list []tftypes.Value
	_ = attrs["ids"].As(&list)
	seen := map[string]bool{}
	for _, e := range list {
		var id string
		_ = e.As(&id)
		if seen[id] {
			t.Errorf("flow %s listed twice", id)
		}
		seen[id] = true
	}
	if len(seen) != len(seeded) {
		t.Errorf("listed %d distinct flows, want %d", len(seen), len(seeded))
	}
	if !warnsAboutRepeats(read.Diagnostics) {
		t.Errorf("no warning about the repeated flow: %s", diagText(read.Diagnostics))
	}
}

// The diga_flow list resource (terraform query) does the same.
func TestProtocol_listResourceDeduplicatesRepeatedFlows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	apiURL, key, seeded := repeatingListing(t, 45)
	ps, schemas := configuredServer(t, key, apiURL, nil)
	//nolint:staticcheck // terraform-plugin-go v0.31 serves ListResource only through this interface.
	lrs := ps.(tfprotov6.ProviderServerWithListResource)
	stream, err := lrs.ListResource(ctx, &tfprotov6.ListResourceRequest{
		TypeName: "diga_flow", Config: configValue(t, schemas.ListResourceSchemas["diga_flow"].ValueType(), nil), Limit: 1000,
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var diags []*tfprotov6.Diagnostic
	for r := range stream.Results {
		diags = append(diags, r.Diagnostics...)
		if r.Identity == nil {
			continue
		}
		id := identityID(t, r.Identity)
		if seen[id] {
			t.Errorf("flow %s listed twice", id)
		}
		seen[id] = true
	}
	if hasErrors(diags) {
		t.Fatal(diagText(diags))
	}
	if len(seen) != len(seeded) {
		t.Errorf("listed %d distinct flows, want %d", len(seen), len(seeded))
	}
	if !warnsAboutRepeats(diags) {
		t.Errorf("no warning about the repeated flow: %s", diagText(diags))
	}
}

func warnsAboutRepeats(diags []*tfprotov6.Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityWarning && strings.Contains(d.Summary, "twice") {
			return true
		}
	}
	return false
}
