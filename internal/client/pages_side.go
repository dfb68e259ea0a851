package client

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// maxPagesInFlight bounds how many pages of one listing are requested at
// once. Every page still goes through do, so it also waits for the
// client-wide rate limit (max_requests_per_second) and is retried by the
// same rules as any other GET.
const maxPagesInFlight = 16

// listPages reads every item of the paginated listing at path. first is the
// query of the first page (the caller's filters and limit, no cursor).
//
// When the first answer declares total_pages (Diga's page-number mode,
// which its list operations use when no cursor is given) and has more, pages
// 2…total_pages are fetched by number side by side: the latency of a
// listing is then about two round trips instead of one per page. Each such
// page must say it is the page asked for (current_page); a server that
// answers otherwise, or a first answer without total_pages, gets the cursor
// walked from the first page instead, one page after another
// (collector.walk). A last numbered page that still says has_more (items were
// added while the pages were read) is followed by cursor from its last item.
//
// Page numbers count from the front of a listing that can change while it is
// read, so an item can be met twice (Listing.Repeated) or, when one before it
// was deleted meanwhile, not at all; the cursor walk has the same limits.
// Callers that must not take an absent item as gone (the flow reads,
// flowreads.go) check such items one by one.
func listPages[T any](ctx context.Context, c *Client, what, path string, first url.Values, id func(T) string) (Listing[T], error) {
	p1, err := getPage[T](ctx, c, path, first)
	if err != nil {
		return Listing[T]{}, err
	}
	col := newCollector(id)
	col.add(p1.Data)
	return listRest(ctx, c, what, path, first, p1, col)
}

// listRest reads the pages after p1, the first page (its items already in
// col), as listPages describes.
func listRest[T any](ctx context.Context, c *Client, what, path string, first url.Values, p1 page[T], col *collector[T]) (Listing[T], error) {
	cursor := func(after string) ([]T, bool, *string, error) {
		q := cloneQuery(first)
		q.Set("after", after)
		p, err := getPage[T](ctx, c, path, q)
		return p.Data, p.HasMore, p.LastID, err
	}
	total, numbered := pageCount(p1)
	if !p1.HasMore || !numbered || total <= 1 {
		return col.walk(what, p1, 1, cursor)
	}
	if total > maxListPages {
		return Listing[T]{}, fmt.Errorf("listing %s: the answer declares %d pages, more than %d; stopping", what, total, maxListPages)
	}
	rest, err := numberedPages[T](ctx, c, path, first, 2, total)
	if err != nil {
		return Listing[T]{}, err
	}
	if rest == nil {
		// A page answered for another number than asked: walk instead.
		return col.walk(what, p1, 1, cursor)
	}
	for _, p := range rest {
		col.add(p.Data)
	}
	return col.walk(what, rest[len(rest)-1], int(total), cursor)
}

// pageCount is the page count an answer declares, when it declares one for
// the first page.
func pageCount[T any](p page[T]) (int64, bool) {
	if p.TotalPages == nil || *p.TotalPages < 1 {
		return 0, false
	}
	if p.CurrentPage != nil && *p.CurrentPage != 1 {
		return 0, false
	}
	return *p.TotalPages, true
}

// numberedPages fetches pages from…to (inclusive) by number, at most
// maxPagesInFlight at once, and returns them in page order. It returns nil
// pages (and no error) when an answer is not the page asked for; the first
// error ends the others and is returned.
func numberedPages[T any](ctx context.Context, c *Client, path string, first url.Values, from, to int64) ([]page[T], error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make([]page[T], to-from+1)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		mismatch bool
	)
	slots := make(chan struct{}, maxPagesInFlight)
	for n := from; n <= to; n++ {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(n int64) {
			defer wg.Done()
			defer func() { <-slots }()
			q := cloneQuery(first)
			q.Set("page", strconv.FormatInt(n, 10))
			p, err := getPage[T](ctx, c, path, q)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				if firstErr == nil {
					firstErr = err
				}
				cancel()
			case p.CurrentPage == nil || *p.CurrentPage != n:
				mismatch = true
				cancel()
			default:
				out[n-from] = p
			}
		}(n)
	}
	wg.Wait()
	switch {
	case firstErr != nil && !mismatch:
		return nil, firstErr
	case mismatch:
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func cloneQuery(q url.Values) url.Values {
	out := make(url.Values, len(q)+1)
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// query is the query of the first page of a flow's runs.
func (p ListExecutionsParams) query() url.Values {
	q := url.Values{}
	limit := p.Limit
	if limit <= 0 {
		limit = defaultListLimit
	}
	q.Set("limit", strconv.Itoa(limit))
	if p.Status != "" {
		q.Set("status", string(p.Status))
	}
	if !p.CreatedAfter.IsZero() {
		q.Set("created_after", p.CreatedAfter.UTC().Format(time.RFC3339Nano))
	}
	if !p.CreatedBefore.IsZero() {
		q.Set("created_before", p.CreatedBefore.UTC().Format(time.RFC3339Nano))
	}
	return q
}
