package emulator

import (
	"encoding/json"
	"math/big"
)

// listPage is one page of a paginated list answer (Diga's PaginatedResponse
// envelope), shared by the flow and template lists. Its zero value is the
// empty page an unknown cursor gets.
type listPage[T any] struct {
	items                   []T
	hasMore                 bool
	currentPage, totalPages any // null in cursor mode
}

// pageAfter is the page of items (in answer order) that starts with the
// first one for which afterCursor holds.
func pageAfter[T any](items []T, limit int, afterCursor func(T) bool) listPage[T] {
	start := len(items)
	for i, it := range items {
		if afterCursor(it) {
			start = i
			break
		}
	}
	end := min(start+limit, len(items))
	return listPage[T]{items: items[start:end], hasMore: end < len(items)}
}

// pageBefore is the page of up to limit items that immediately precede the
// first one for which notBeforeCursor holds; hasMore tells whether still
// earlier items exist.
func pageBefore[T any](items []T, limit int, notBeforeCursor func(T) bool) listPage[T] {
	end := len(items)
	for i, it := range items {
		if notBeforeCursor(it) {
			end = i
			break
		}
	}
	start := max(end-limit, 0)
	return listPage[T]{items: items[start:end], hasMore: start > 0}
}

// pageNumber is page n (1 when nil) in page-number mode.
func pageNumber[T any](items []T, limit int, n *big.Int) listPage[T] {
	total := len(items)
	pages := (total + limit - 1) / limit
	if n == nil {
		n = big.NewInt(1)
	}
	lp := listPage[T]{totalPages: pages}
	if n.IsInt64() {
		lp.currentPage = n.Int64()
	} else {
		lp.currentPage = json.Number(n.String())
	}
	// Pages past the end are empty; compare before multiplying so huge page
	// numbers cannot overflow.
	if n.Cmp(big.NewInt(int64(pages))) <= 0 {
		start := int(n.Int64()-1) * limit
		end := min(start+limit, total)
		lp.items, lp.hasMore = items[start:end], end < total
	}
	return lp
}

// envelope renders the page as PaginatedResponse.
func (lp listPage[T]) envelope(id func(T) string, body func(T) any) orderedObject {
	data := make([]any, len(lp.items))
	for i, it := range lp.items {
		data[i] = body(it)
	}
	var firstID, lastID any
	if len(lp.items) > 0 {
		firstID, lastID = id(lp.items[0]), id(lp.items[len(lp.items)-1])
	}
	return orderedObject{
		{"data", data},
		{"first_id", firstID},
		{"last_id", lastID},
		{"has_more", lp.hasMore},
		{"current_page", lp.currentPage},
		{"total_pages", lp.totalPages},
	}
}
