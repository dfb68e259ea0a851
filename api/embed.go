// Package api holds Diga's API contract as the tests check it:
// diga-openapi.json is the workflow part of Diga's published OpenAPI 3.1
// document, plus the agent and phone operations that assigning flows to
// agents uses, reduced to what a machine checks (no prose). Regenerate it
// with make contract-refresh (SPEC, REV, AGENTS_SPEC, AGENTS_REV; see the
// GNUmakefile); never edit it by hand.
package api

import _ "embed"

// OpenAPI is the reduced contract, api/diga-openapi.json.
//
//go:embed diga-openapi.json
var OpenAPI []byte
