package client

import "fmt"

// collectPages follows Diga's cursor pagination (after = last_id) until a
// page says has_more is false, and returns every item. fetch reads the page
// after a cursor ("" for the first); id names an item, so that a server
// leaving last_id null on a page with more after it can be followed from
// the last item. A missing or repeated cursor is an error naming what.
func collectPages[T any](what string, fetch func(after string) (items []T, hasMore bool, lastID *string, err error), id func(T) string) ([]T, error) {
	all := []T{}
	seen := map[string]bool{}
	after := ""
	for pages := 1; ; pages++ {
		items, hasMore, lastID, err := fetch(after)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if !hasMore {
			return all, nil
		}
		next := ""
		if lastID != nil && *lastID != "" {
			next = *lastID
		} else if n := len(items); n > 0 {
			next = id(items[n-1])
		}
		switch {
		case next == "":
			return nil, fmt.Errorf("listing %s: page %d says has_more but gives no last_id to continue from", what, pages)
		case seen[next]:
			return nil, fmt.Errorf("listing %s: page %d repeats cursor %q; stopping instead of looping forever", what, pages, next)
		case pages >= maxListPages:
			return nil, fmt.Errorf("listing %s: more than %d pages; stopping", what, maxListPages)
		}
		seen[next] = true
		after = next
	}
}
