package emulator

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
)

type page struct {
	ids                     []string
	firstID, lastID         any
	hasMore                 bool
	currentPage, totalPages any
}

func (c *apiClient) list(query string) page {
	c.t.Helper()
	m := expectJSON(c.t, c.do("GET", "/v1/workflow/?"+query, nil), 200)
	p := page{firstID: m["first_id"], lastID: m["last_id"], hasMore: m["has_more"].(bool), currentPage: m["current_page"], totalPages: m["total_pages"]}
	for _, k := range []string{"data", "first_id", "last_id", "has_more", "current_page", "total_pages"} {
		if _, ok := m[k]; !ok {
			c.t.Fatalf("envelope lacks %s", k)
		}
	}
	for _, d := range m["data"].([]any) {
		p.ids = append(p.ids, str(obj(d), "id"))
	}
	return p
}

func TestPaginationThroughSeededFlows(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ids := c.srv.SeedFlows(keyA, 75, "seed ")
	newestFirst := slices.Clone(ids)
	slices.Reverse(newestFirst)
	if snaps := c.srv.Flows(keyA); len(snaps) != 75 || snaps[0].ID != newestFirst[0] || snaps[0].Name != "seed 75" {
		t.Fatalf("Flows order: %v", snaps[0])
	}

	t.Run("after cursor", func(t *testing.T) {
		var seen []string
		query := "limit=30"
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("pagination does not terminate")
			}
			p := c.list(query)
			if p.currentPage != nil || p.totalPages != nil {
				if pages > 0 {
					t.Fatalf("cursor mode pages: %v %v", p.currentPage, p.totalPages)
				}
			}
			seen = append(seen, p.ids...)
			if p.firstID != p.ids[0] || p.lastID != p.ids[len(p.ids)-1] {
				t.Fatal("first_id/last_id")
			}
			if !p.hasMore {
				break
			}
			query = "limit=30&after=" + url.QueryEscape(p.lastID.(string))
		}
		if !slices.Equal(seen, newestFirst) {
			t.Fatalf("saw %d flows, want all 75 newest first once", len(seen))
		}
	})

	t.Run("page numbers", func(t *testing.T) {
		var seen []string
		for n := 1; n <= 3; n++ {
			p := c.list(fmt.Sprintf("limit=30&page=%d", n))
			if p.currentPage != float64(n) || p.totalPages != float64(3) || p.hasMore != (n < 3) {
				t.Fatalf("page %d: %+v", n, p)
			}
			seen = append(seen, p.ids...)
		}
		if !slices.Equal(seen, newestFirst) {
			t.Fatal("page mode order")
		}
		p := c.list("limit=30&page=4")
		if len(p.ids) != 0 || p.hasMore || p.firstID != nil || p.lastID != nil || p.currentPage != float64(4) {
			t.Fatalf("past the end: %+v", p)
		}
		p = c.list("page=99999999999999999999999")
		if cp, ok := p.currentPage.(float64); len(p.ids) != 0 || !ok || cp < 9e22 {
			t.Fatalf("huge page: %+v", p)
		}
	})

	t.Run("default limit", func(t *testing.T) {
		p := c.list("")
		if len(p.ids) != 10 || !p.hasMore || p.currentPage != float64(1) || p.totalPages != float64(8) {
			t.Fatalf("%+v", p)
		}
	})

	t.Run("before cursor", func(t *testing.T) {
		// The 10 flows immediately newer than newestFirst[40].
		p := c.list("limit=10&before=" + newestFirst[40])
		if !slices.Equal(p.ids, newestFirst[30:40]) || !p.hasMore {
			t.Fatalf("%+v", p)
		}
		p = c.list("limit=10&before=" + newestFirst[5])
		if !slices.Equal(p.ids, newestFirst[0:5]) || p.hasMore {
			t.Fatalf("%+v", p)
		}
	})

	t.Run("unknown cursor", func(t *testing.T) {
		p := c.list("after=doesnotexist")
		if len(p.ids) != 0 || p.hasMore || p.firstID != nil {
			t.Fatalf("%+v", p)
		}
	})

	t.Run("other key", func(t *testing.T) {
		p := c.as(keyB).list("")
		if len(p.ids) != 0 || p.totalPages != float64(0) || p.currentPage != float64(1) {
			t.Fatalf("%+v", p)
		}
	})
}

func TestCursorSurvivesDeletion(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ids := c.srv.SeedFlows(keyA, 5, "f") // oldest first
	if !c.srv.DeleteFlow(keyA, ids[2]) {
		t.Fatal("delete")
	}
	p := c.list("after=" + ids[2])
	if !slices.Equal(p.ids, []string{ids[1], ids[0]}) {
		t.Fatalf("%v", p.ids)
	}
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	enabled := str(c.create("enabled"), "id")
	c.importFlow(enabled, map[string]any{"displayName": "enabled", "trigger": digaTrigger("call_finished", nil)})
	expectJSON(t, c.do("POST", "/v1/workflow/"+enabled+"/publish", nil), 200)
	expectJSON(t, c.do("PATCH", "/v1/workflow/"+enabled+"/status", map[string]any{"status": "ENABLED"}), 200)
	during := str(c.create("during"), "id")
	c.importFlow(during, map[string]any{"displayName": "during", "trigger": digaTrigger("function_call", nil)})
	plain := str(c.create("plain"), "id")

	cases := map[string][]string{
		"status=ENABLED":                         {enabled},
		"status=DISABLED":                        {plain, during},
		"flow_category=post_call":                {enabled},
		"flow_category=during_call":              {during},
		"flow_category=empty":                    {plain},
		"flow_category=pre_call":                 nil,
		"is_diga_trigger=true":                   {during, enabled},
		"is_diga_trigger=0":                      {plain},
		"is_diga_trigger=yes&status=DISABLED":    {during},
		"status=DISABLED&limit=1":                {plain},
		"status=DISABLED&limit=1&after=" + plain: {during},
		"order=desc":                             {plain, during, enabled},
	}
	for q, want := range cases {
		if got := c.list(q).ids; !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", q, got, want)
		}
	}
	p := c.list("status=DISABLED&limit=1")
	if !p.hasMore || p.totalPages != float64(2) {
		t.Fatalf("%+v", p)
	}
}

func TestListQueryValidation(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	cases := map[string]string{
		"limit=0":               `[{"type":"greater_than_equal","loc":["query","limit"],"msg":"Input should be greater than or equal to 1","input":"0","ctx":{"ge":1}}]`,
		"limit=31":              `[{"type":"less_than_equal","loc":["query","limit"],"msg":"Input should be less than or equal to 30","input":"31","ctx":{"le":30}}]`,
		"limit=ten":             `[{"type":"int_parsing","loc":["query","limit"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"ten"}]`,
		"limit=":                `[{"type":"int_parsing","loc":["query","limit"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":""}]`,
		"page=0":                `[{"type":"greater_than_equal","loc":["query","page"],"msg":"Input should be greater than or equal to 1","input":"0","ctx":{"ge":1}}]`,
		"order=asc":             `[{"type":"literal_error","loc":["query","order"],"msg":"Input should be 'desc'","input":"asc","ctx":{"expected":"'desc'"}}]`,
		"status=enabled":        `[{"type":"enum","loc":["query","status"],"msg":"Input should be 'ENABLED' or 'DISABLED'","input":"enabled","ctx":{"expected":"'ENABLED' or 'DISABLED'"}}]`,
		"flow_category=other":   `[{"type":"enum","loc":["query","flow_category"],"msg":"Input should be 'post_call', 'during_call', 'pre_call', 'call_launcher' or 'empty'","input":"other","ctx":{"expected":"'post_call', 'during_call', 'pre_call', 'call_launcher' or 'empty'"}}]`,
		"is_diga_trigger=maybe": `[{"type":"bool_parsing","loc":["query","is_diga_trigger"],"msg":"Input should be a valid boolean, unable to interpret input","input":"maybe"}]`,
		"order=asc&limit=0&page=x": `[
			{"type":"int_parsing","loc":["query","page"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"x"},
			{"type":"greater_than_equal","loc":["query","limit"],"msg":"Input should be greater than or equal to 1","input":"0","ctx":{"ge":1}},
			{"type":"literal_error","loc":["query","order"],"msg":"Input should be 'desc'","input":"asc","ctx":{"expected":"'desc'"}}]`,
	}
	for q, want := range cases {
		t.Run(q, func(t *testing.T) {
			expectDetail(t, c.do("GET", "/v1/workflow/?"+q, nil), want)
		})
	}
	for _, q := range []string{"limit=30", "limit=1", "limit=%205%20", "limit=5.0", "limit=1_0", "limit=+5.000", "limit=0&limit=3"} {
		expectJSON(t, c.do("GET", "/v1/workflow/?"+q, nil), 200)
	}
}
