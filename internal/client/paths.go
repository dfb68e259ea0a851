package client

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Every value a caller passes that becomes part of a URL path (flow id,
// step name, run id, piece name, template id) is sent as exactly one
// escaped path segment, and is never empty, "." or "..": an empty value
// addresses the route above it ("/v1/workflow/" lists and creates), and a
// dot segment is removed by any front end that normalises paths (RFC 3986
// §5.2.4, the default of common CDNs and proxies), so that step ".." of
// flow f1 would become POST /v1/workflow/f1/test, the whole flow's test.
// pathSegment refuses such values where paths are built; send refuses a
// path holding a dot segment whatever built it (the last guard).

// PathSegmentError reports a value that cannot be sent as a path segment.
type PathSegmentError struct {
	// Kind names the value ("flow id", "step name", …), Value is it.
	Kind, Value string
}

func (e *PathSegmentError) Error() string {
	if e.Value == "" {
		return e.Kind + " is empty"
	}
	return fmt.Sprintf("%s %s cannot be sent: in a URL path it is a dot segment, which proxies that normalise "+
		"URLs remove, so the request could reach another operation", e.Kind, strconv.Quote(e.Value))
}

// CheckPathSegment reports whether v can be sent as one path segment: nil,
// or a *PathSegmentError naming kind. The provider checks configuration
// with it at plan, before the client ever sees the value.
func CheckPathSegment(kind, v string) error {
	switch v {
	case "", ".", "..":
		return &PathSegmentError{Kind: kind, Value: v}
	}
	return nil
}

// pathSegment is "/" and v escaped as one path segment ("/" in v becomes
// %2F), or the *PathSegmentError that refuses it.
func pathSegment(kind, v string) (string, error) {
	if err := CheckPathSegment(kind, v); err != nil {
		return "", err
	}
	return "/" + url.PathEscape(v), nil
}

// flowPath builds "/v1/workflow/{id}{suffix}" with the id one escaped
// segment. suffix is a constant route ("/publish") or built from segments.
func flowPath(id, suffix string) (string, error) {
	seg, err := pathSegment("flow id", id)
	if err != nil {
		return "", err
	}
	return "/v1/workflow" + seg + suffix, nil
}

// stepPath builds "/v1/workflow/{id}/steps/{step}{suffix}".
func stepPath(flowID, step, suffix string) (string, error) {
	seg, err := pathSegment("step name", step)
	if err != nil {
		return "", err
	}
	return flowPath(flowID, "/steps"+seg+suffix)
}

// dotSegment reports whether an escaped path holds a "." or ".." segment.
func dotSegment(path string) bool {
	for _, s := range strings.Split(path, "/") {
		if s == "." || s == ".." {
			return true
		}
	}
	return false
}
