package client

import (
	"net/http"
	"testing"

	"github.com/Diga-io/terraform-provider-diga/internal/contract"
)

// checkRequests wraps a fault-injecting stand-in for Diga: every request the
// client sends — first attempts, retries and the listings that recover a
// lost create — must match Diga's contract (api/diga-openapi.json). The
// answers are off-contract on purpose (5xx, HTML pages, dropped
// connections, unreadable bodies), so only the request side is checked.
func checkRequests(t *testing.T, next http.Handler) http.Handler {
	t.Helper()
	return contract.WrapRequests(t, next)
}
