package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// page is one page of Diga's pagination envelope (PaginatedResponse) as the
// client reads it. CurrentPage and TotalPages are nil when the answer leaves
// them out or null (cursor mode); with them the remaining pages can be
// fetched by number, side by side (pages_side.go).
type page[T any] struct {
	Data        []T     `json:"data"`
	HasMore     bool    `json:"has_more"`
	LastID      *string `json:"last_id"`
	CurrentPage *int64  `json:"current_page"`
	TotalPages  *int64  `json:"total_pages"`
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

// collectPages follows Diga's cursor pagination from the first page
// (fetch("")) until a page says has_more is false, one page after another,
// and returns every item once (collector.walk). Listings whose answers
// declare total_pages go through listPages instead, which fetches the
// pages side by side.
func collectPages[T any](what string, fetch func(after string) (items []T, hasMore bool, lastID *string, err error), id func(T) string) (Listing[T], error) {
	items, hasMore, lastID, err := fetch("")
	if err != nil {
		return Listing[T]{}, err
	}
	col := newCollector(id)
	col.add(items)
	return col.walk(what, page[T]{Data: items, HasMore: hasMore, LastID: lastID}, 1, fetch)
}

// collector gathers the items of a listing's pages, each once.
type collector[T any] struct {
	id       func(T) string
	out      Listing[T]
	have     map[string]bool
	repeated map[string]bool
}

func newCollector[T any](id func(T) string) *collector[T] {
	return &collector[T]{id: id, out: Listing[T]{Items: []T{}}, have: map[string]bool{}, repeated: map[string]bool{}}
}

func (c *collector[T]) add(items []T) {
	for _, item := range items {
		k := c.id(item)
		switch {
		case !c.have[k]:
			c.have[k] = true
			c.out.Items = append(c.out.Items, item)
		case !c.repeated[k]:
			c.repeated[k] = true
			c.out.Repeated = append(c.out.Repeated, k)
		}
	}
}

// walk follows Diga's cursor pagination (after = last_id) from last, the
// pages-th page read (its items already added), until a page says has_more
// is false. fetch reads the page after a cursor. A server leaving last_id
// null on a page with more after it is followed from the page's last item;
// a missing or repeated cursor is an error naming what.
func (c *collector[T]) walk(what string, last page[T], pages int, fetch func(after string) ([]T, bool, *string, error)) (Listing[T], error) {
	seen := map[string]bool{}
	for ; last.HasMore; pages++ {
		next := ""
		if last.LastID != nil && *last.LastID != "" {
			next = *last.LastID
		} else if n := len(last.Data); n > 0 {
			next = c.id(last.Data[n-1])
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
		items, hasMore, lastID, err := fetch(next)
		if err != nil {
			return Listing[T]{}, err
		}
		c.add(items)
		last = page[T]{Data: items, HasMore: hasMore, LastID: lastID}
	}
	return c.out, nil
}
