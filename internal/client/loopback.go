package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Plain http is allowed only to a loopback host, so that the API key never
// crosses a network unencrypted. "Loopback" means, precisely:
//
//   - an IP address literal in 127.0.0.0/8 or ::1 (IPv4-mapped forms such
//     as ::ffff:127.0.0.1 included), or
//   - the name localhost, in any case, without a trailing dot, and only
//     while the client's own resolution of it (the system resolver: the
//     hosts file first) gives loopback addresses and nothing else.
//
// The second condition is checked at every connection, not once: the
// client resolves the name itself, refuses to connect when any address is
// not loopback (a hosts file without localhost sends the name to DNS,
// which may answer anything), and connects only to the addresses it
// checked. "localhost." (a fully qualified name, which is looked up in DNS
// rather than answered by the hosts file on many systems), names under
// .localhost and every other name are refused when the base URL is read.

// CheckPlainHTTPHost reports whether plain http may be used to host (as
// url.URL.Hostname returns it): nil for a loopback address literal or the
// name localhost, otherwise an error saying why not.
func CheckPlainHTTPHost(host string) error {
	if IsLoopbackHost(host) {
		return nil
	}
	if strings.EqualFold(host, "localhost.") {
		return errors.New(`"localhost." with a trailing dot is a fully qualified DNS name, which a DNS server ` +
			`may answer with any address rather than the hosts file with a loopback one; write localhost or 127.0.0.1`)
	}
	return errors.New("https is required; plain http is allowed only to a loopback host (127.0.0.1, ::1 or localhost)")
}

// IsLoopbackHost reports whether host (without port; IPv6 brackets are
// tolerated) is a loopback address literal (127.0.0.0/8, ::1) or the name
// localhost without a trailing dot. For the name, the client also checks
// at each connection that it resolves to loopback addresses only.
func IsLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	return addr.Unmap().IsLoopback()
}

// NotLoopbackError reports that a plain-http base URL's host resolved to
// an address that is not loopback: nothing was sent. It is not retried.
type NotLoopbackError struct {
	// Host is the name resolved; Addrs what it resolved to.
	Host  string
	Addrs []netip.Addr
}

func (e *NotLoopbackError) Error() string {
	shown := make([]string, len(e.Addrs))
	for i, a := range e.Addrs {
		shown[i] = a.String()
	}
	return fmt.Sprintf("base_url uses plain http to %q, which resolves to %s here, not only to loopback addresses; "+
		"nothing was sent, so that the API key does not cross a network unencrypted. Use http://127.0.0.1:<port> "+
		"for a local emulator, or https", e.Host, strings.Join(shown, ", "))
}

// lookupNetIP resolves a host name with the system resolver.
func lookupNetIP(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// withLoopbackOnlyDial returns hc with a transport that, for a plain-http
// base URL, connects only to loopback addresses it resolved itself (see
// the top of this file); for https it returns hc unchanged. A transport
// that is not an *http.Transport is used as given: its dialing is the
// caller's (the provider never supplies one).
func (c *Client) withLoopbackOnlyDial(hc *http.Client) *http.Client {
	if !strings.HasPrefix(c.baseURL, "http://") {
		return hc
	}
	var tr *http.Transport
	switch t := hc.Transport.(type) {
	case nil:
		tr = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		tr = t.Clone()
	default:
		return hc
	}
	dial := tr.DialContext
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		addrs, err := c.resolveLoopback(ctx, host)
		if err != nil {
			return nil, err
		}
		var last error
		for _, a := range addrs {
			conn, err := dial(ctx, network, net.JoinHostPort(a.String(), port))
			if err == nil {
				return conn, nil
			}
			last = err
		}
		return nil, last
	}
	cp := *hc
	cp.Transport = tr
	return &cp
}

// resolveLoopback resolves host (an address literal is itself) and returns
// its addresses when every one is loopback, else a *NotLoopbackError.
func (c *Client) resolveLoopback(ctx context.Context, host string) ([]netip.Addr, error) {
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")); err == nil {
		addrs = []netip.Addr{a}
	} else {
		if addrs, err = c.lookup(ctx, host); err != nil {
			return nil, err
		}
	}
	if len(addrs) == 0 {
		return nil, &NotLoopbackError{Host: host}
	}
	for _, a := range addrs {
		if !a.Unmap().IsLoopback() {
			return nil, &NotLoopbackError{Host: host, Addrs: addrs}
		}
	}
	return addrs, nil
}
