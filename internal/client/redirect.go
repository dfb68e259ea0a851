package client

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxRedirects is how many same-origin redirects one attempt follows, as
// many as net/http's default policy.
const maxRedirects = 10

// RedirectError is returned when the server answers with a redirect to
// another origin (scheme, host or port differ from the request's). The
// client does not follow it: nothing, neither the Authorization header nor
// the body, is sent to Location. It is never retried.
type RedirectError struct {
	// Status is the redirect's status (301, 302, 303, 307 or 308).
	Status int
	// From is the URL that answered with the redirect (no query), Location
	// the absolute URL it pointed to (user information removed).
	From, Location string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("%s answered %d %s with a redirect to %s, another origin (the scheme, host and port "+
		"must stay the same); the redirect was not followed and nothing was sent there. "+
		"If the Diga API has moved, set base_url to its new address",
		e.From, e.Status, http.StatusText(e.Status), e.Location)
}

// withRedirectPolicy returns a shallow copy of hc whose CheckRedirect
// refuses every redirect off the origin of the request that started the
// chain, before the redirected request is built, and otherwise defers to
// hc's own CheckRedirect (or net/http's limit of 10 redirects). The
// caller's client is left unchanged.
func withRedirectPolicy(hc *http.Client, redact func(string) string) *http.Client {
	var cp http.Client
	if hc != nil {
		cp = *hc
	}
	next := cp.CheckRedirect
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) == 0 {
			return nil
		}
		first, prev := via[0].URL, via[len(via)-1].URL
		if origin(req.URL) != origin(first) {
			status := 0
			if req.Response != nil {
				status = req.Response.StatusCode
			}
			from := *prev
			from.RawQuery, from.User = "", nil
			return &RedirectError{Status: status, From: redact(from.String()), Location: redact(req.URL.Redacted())}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		return nil
	}
	return &cp
}

// origin is scheme://host:port with the scheme and host lower-cased and the
// default port made explicit, so https://API.diga.io and
// https://api.diga.io:443 are the same origin.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return scheme + "://" + host + ":" + port
}

func isRedirectError(err error) bool {
	var re *RedirectError
	return errors.As(err, &re)
}
