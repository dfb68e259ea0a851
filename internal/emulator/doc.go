// Package emulator is an in-memory emulator of Diga's workflow ("flow") API
// and of the agent, version and phone operations flows are assigned with:
// the contract in api/diga-openapi.json. It owns its own types and never
// imports the provider's client, the provider or flowdef: it is an
// independent reading of Diga's contract, which the provider and its
// acceptance tests are checked against, and shared types would hide the
// bugs it exists to catch.
//
// BEHAVIOUR.md (in this directory) is the catalogue of what the server
// does: every operation, and every choice made where Diga's documentation
// is silent (routing, authentication, error bodies, validation, trees,
// templates, pieces, connections, tests and runs, agents and phones,
// faults, the clock). Read
// it before changing behaviour, and update it with the change and its test.
//
// # Using it
//
// New returns a Server, an http.Handler; options choose the accepted API
// keys (WithAPIKeys, AddAPIKey: each key is its own project), the modes,
// fault injection (WithFaults, SetFaults), the clock (WithClock,
// WithClockOffset) and a few answer shapes (WithSparseRenameResponse).
// Tests reach past the API through out-of-band helpers that never count as
// requests: Flows, Flow, CreateFlow, DeleteFlow, RenameFlow, EditFlow,
// SetStatus, SeedFlows, Requests, WriteCount, ResetRequests, FaultStats,
// AddTemplate, Connections, FailStep, ClearStepFailures, SampleData,
// RunCount, AddAgent, EditAgentDraft, AssignAgentFlows, LaunchVersion,
// PublishVersion, LaunchAndPublish, Agent, AddPhone, Phones.
// cmd/diga-emulator serves it on loopback for people.
//
// Where what Diga does over the Activepieces engine is unknown, each
// plausible reading is a mode (modes.go): WithImportMode (ImportLenient,
// ImportEngine: engine.go) and WithResponseMode (ResponseDeclared,
// ResponseFull, ResponseDeclaredNoLoopBodies) and WithAgentFlowMode
// (AgentFlowsAccepted, AgentFlowsChecked). ModeOptionsFromEnv reads them
// from DIGA_EMULATOR_IMPORT_MODE, DIGA_EMULATOR_RESPONSE_MODE,
// DIGA_EMULATOR_AGENT_FLOW_MODE and DIGA_EMULATOR_STRICT for the
// provider's acceptance tests.
//
// # Where things are
//
// A request goes server.go (routing in openapi.json order, slash
// redirects, authentication, the request log, faults.go's injection) →
// a handler → the store, under the Server's one mutex.
//
//   - server.go: Server, options, the route table and dispatch.
//   - handlers.go: the flow operations (create, get, rename, status,
//     publish, draft, import, trigger, delete); list.go and paginate.go:
//     the list and its pagination.
//   - validate.go, pyjson.go: request validation the way FastAPI and
//     pydantic v2 answer it (422 items), and CPython's JSON errors.
//   - tree.go: trigger and step trees (validation, normalisation, defaults,
//     valid, flow_category); engine.go: the same under ImportEngine.
//   - store.go: projects, flows and the clock.
//   - steps.go, edit_handlers.go: the step and branch edits, which the
//     provider never calls (BEHAVIOUR.md says who does).
//   - runs.go: flow, step and trigger tests, sample data, executions.
//   - catalog.go, templates.go, pieces.go, piecedata.go (+ piecedata/),
//     connections.go: the catalogue operations.
//   - agents.go, phones.go: voice agents, their versions and phone numbers.
//   - faults.go: deterministic fault injection; modes.go: the modes.
//
// JSON answers are compact, with Content-Type application/json and no HTML
// escaping, like Starlette's JSONResponse.
package emulator
