package client_test

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

// A listing is not a snapshot: an item changed while the pages are read
// can be met again on a later page. Every listing that walks pages keeps
// each id once, where it was first met, and names the repeated ids so the
// caller can say so.
func TestListings_deduplicateByIDAndNameTheRepeats(t *testing.T) {
	t.Parallel()
	// Pages keyed by cursor; f2 and f3 come back on later pages.
	pages := map[string]struct {
		ids  []string
		more bool
	}{
		"":   {[]string{"f1", "f2", "f3"}, true},
		"f3": {[]string{"f3", "f4"}, true},
		"f4": {[]string{"f2", "f5", "f3"}, false},
	}
	page := func(after string, item func(id string) string) string {
		p := pages[after]
		items := make([]string, len(p.ids))
		for i, id := range p.ids {
			items[i] = item(id)
		}
		return fmt.Sprintf(`{"data":[%s],"has_more":%t,"last_id":%q}`, strings.Join(items, ","), p.more, p.ids[len(p.ids)-1])
	}
	run := func(id string) string {
		return fmt.Sprintf(`{"id":%q,"flowId":"x","status":"SUCCEEDED","created":"2026-01-01T00:00:00Z","updated":"2026-01-01T00:00:00Z"}`, id)
	}
	tpl := func(id string) string { return fmt.Sprintf(`{"id":%q,"name":"t","language":"es","template":{}}`, id) }
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		after := r.URL.Query().Get("after")
		switch r.URL.Path {
		case "/v1/workflow/":
			respond(http.StatusOK, page(after, minimalFlowJSON))(w, r)
		case "/v1/workflow/template":
			respond(http.StatusOK, page(after, tpl))(w, r)
		default:
			respond(http.StatusOK, page(after, run))(w, r)
		}
	})
	c := newTestClient(t, ts, nil)
	wantIDs, wantRepeated := []string{"f1", "f2", "f3", "f4", "f5"}, []string{"f3", "f2"}

	flows, err := c.ListFlows(t.Context(), client.ListFlowsParams{})
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, ids, repeated []string) {
		t.Helper()
		if !reflect.DeepEqual(ids, wantIDs) || !reflect.DeepEqual(repeated, wantRepeated) {
			t.Errorf("%s: ids %v, repeated %v; want %v, %v", what, ids, repeated, wantIDs, wantRepeated)
		}
	}
	var ids []string
	for _, f := range flows.Items {
		ids = append(ids, f.ID)
	}
	check("flows", ids, flows.Repeated)

	tpls, err := c.ListTemplates(t.Context(), client.ListTemplatesParams{})
	if err != nil {
		t.Fatal(err)
	}
	ids = nil
	for _, x := range tpls.Items {
		ids = append(ids, x.ID)
	}
	check("templates", ids, tpls.Repeated)

	runs, err := c.ListExecutions(t.Context(), "x", client.ListExecutionsParams{})
	if err != nil {
		t.Fatal(err)
	}
	ids = nil
	for _, x := range runs.Items {
		ids = append(ids, x.ID)
	}
	check("runs", ids, runs.Repeated)
}
