package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// page is one page of Diga's cursor pagination envelope
// (PaginatedResponseStrId) as the client reads it: the envelope's
// first_id, current_page and total_pages are not needed to follow it.
type page[T any] struct {
	Data    []T     `json:"data"`
	HasMore bool    `json:"has_more"`
	LastID  *string `json:"last_id"`
}

// getPage GETs one page at path with query q; Data is never nil.
func getPage[T any](ctx context.Context, c *Client, path string, q url.Values) (page[T], error) {
	var p page[T]
	if err := c.do(ctx, http.MethodGet, path, q, nil, &p); err != nil {
		return p, err
	}
	if p.Data == nil {
		p.Data = []T{}
	}
	return p, nil
}

// Listing is every item of a paginated listing, each once.
type Listing[T any] struct {
	// Items in the order the pages gave them. An item met again on a
	// later page is kept where it was first met.
	Items []T
	// Repeated are the ids of items that more than one page (or one page
	// twice) held, each once, in the order they were first met again. A
	// listing is not a snapshot: an item changed while the pages were read
	// can move to a later page. Callers should tell the user.
	Repeated []string
}

// collectPages follows Diga's cursor pagination (after = last_id) until a
// page says has_more is false, and returns every item once (by id, see
// Listing). fetch reads the page after a cursor ("" for the first); id
// names an item, so that a server leaving last_id null on a page with more
// after it can be followed from the last item. A missing or repeated
// cursor is an error naming what.
func collectPages[T any](what string, fetch func(after string) (items []T, hasMore bool, lastID *string, err error), id func(T) string) (Listing[T], error) {
	out := Listing[T]{Items: []T{}}
	have := map[string]bool{}
	repeated := map[string]bool{}
	seen := map[string]bool{}
	after := ""
	for pages := 1; ; pages++ {
		items, hasMore, lastID, err := fetch(after)
		if err != nil {
			return Listing[T]{}, err
		}
		for _, item := range items {
			k := id(item)
			switch {
			case !have[k]:
				have[k] = true
				out.Items = append(out.Items, item)
			case !repeated[k]:
				repeated[k] = true
				out.Repeated = append(out.Repeated, k)
			}
		}
		if !hasMore {
			return out, nil
		}
		next := ""
		if lastID != nil && *lastID != "" {
			next = *lastID
		} else if n := len(items); n > 0 {
			next = id(items[n-1])
		}
		switch {
		case next == "":
			return Listing[T]{}, fmt.Errorf("listing %s: page %d says has_more but gives no last_id to continue from", what, pages)
		case seen[next]:
			return Listing[T]{}, fmt.Errorf("listing %s: page %d repeats cursor %q; stopping instead of looping forever", what, pages, next)
		case pages >= maxListPages:
			return Listing[T]{}, fmt.Errorf("listing %s: more than %d pages; stopping", what, maxListPages)
		}
		seen[next] = true
		after = next
	}
}
