// Package contract checks HTTP exchanges against Diga's published API
// contract, api/diga-openapi.json (the workflow operations of the upstream
// OpenAPI 3.1 document and the agent and phone operations of
// reduce.AgentOperations, reduced by ./reduce; refresh it with make
// contract-refresh). It is used
// only by tests: the client's test servers, the emulator's tests and the
// acceptance harness wrap their handlers with Wrap or Middleware so that
// neither the client nor the emulator can drift from the contract unnoticed,
// and NewRecorder / TestReplayRecordings hold live answers to the same rules.
//
// # What is checked
//
// Request (Direction "request"):
//   - METHOD and path are a documented operation. Paths are matched on the
//     escaped path, segment by segment, case-sensitively and with the
//     trailing slash significant ("/v1/workflow/" is list/create,
//     "/v1/workflow" is not). A literal segment beats a {parameter} at the
//     same position, so GET /v1/workflow/piece is "list pieces", while
//     DELETE /v1/workflow/piece is "delete flow" with flow_id "piece".
//     A request for the other slash form of a documented operation counts
//     as documented when the answer is a 307 redirect to that operation
//     (FastAPI's redirect_slashes); any other answer makes it undocumented.
//   - Path parameters match their schema.
//   - Query parameters: every documented one matches its schema (values are
//     read as the schema's type: integer, number, boolean "true"/"false",
//     arrays from repeated parameters); a required one is present; a scalar
//     one is not repeated; no undocumented parameter is sent.
//   - Body: an operation without requestBody gets no body; one with a
//     required requestBody gets one; a body has a documented media type
//     (Content-Type) and matches its schema.
//   - Authorization: "Bearer <token>" is present unless the operation
//     declares no security (the two piece routes).
//
// Response (Direction "response"):
//   - The status is documented for the operation, or allowed by the rule
//     below; a documented status's body has the documented media type
//     (Content-Type) and matches its schema; a documented status without
//     content (204, and the template errors 400/404/503) has an empty body
//     or one of the error bodies of the rule below.
//
// Schema policy. Schemas are JSON Schema 2020-12 (the OpenAPI 3.1 dialect),
// with formats (date-time, uuid) asserted. Objects that declare properties
// but say nothing about additionalProperties are treated as closed: an
// undeclared key is a violation. That is how Diga's server behaves: the
// schemas come from pydantic models, which emit additionalProperties only
// when extra keys are allowed and otherwise drop unknown keys from answers
// and ignore them in requests; so an undeclared key in an answer is an
// emulator inventing data, and in a request a field the server silently
// ignores. The one exception is FastAPI's ValidationError item, which
// pydantic v2 documents incompletely (real items also carry input, ctx and
// url).
//
// # The error-body rule
//
// The contract documents no 401/403/404 for workflow operations, yet Diga
// answers them, and documents its error envelope ErrorResponseSchema
// {"status":"error","error_code":…,"message":…} for other endpoints of the
// same API (401 INVALID_API_KEY, 404 CALL_NOT_FOUND in Diga's API
// reference). So, for every operation, in
// addition to its documented responses:
//
//  1. 400, 401, 403, 404, 409, 501 and 503 are accepted when the body is a
//     JSON ErrorResponseSchema (closed, as above).
//  2. 404 and 405 are accepted with FastAPI's own body {"detail": "<text>"}
//     (route not found, method not allowed; nothing else in the object).
//  3. 307 is accepted with an empty body and a Location header (FastAPI's
//     trailing-slash redirect).
//
// A documented status without a content schema (e.g. copy template's 400
// "Invalid template") also accepts bodies 1 and 2. Every other status and
// body must match the documented responses exactly: a 200 where 201 is
// documented, a 500, an HTML error page or a {"detail": …} on 503 is a
// violation.
//
// # Reports
//
// Middleware reports every violation and still serves the request
// unchanged (the answer is buffered and sent after the check, so reports
// precede the client's view of the answer). Wrap turns each violation into
// t.Errorf naming the operation, direction, status and field. Handlers that
// answer off-contract on purpose (HTML 502s, repeated cursors, echoed keys,
// injected faults) are either not wrapped or wrapped with WrapRequests,
// which checks only what the client sends. Seen and Coverage count the
// documented operations exercised through any Middleware in the process.
//
// # Recordings
//
// NewRecorder is an http.RoundTripper for live runs: it writes each
// exchange as one JSON file (Exchange) with credentials and secret-looking
// values redacted; TestReplayRecordings checks every recorded answer in
// $DIGA_RECORD_DIR (default testdata/recordings) with CheckExchange.
package contract
