// Package emulator is an in-memory emulator of Diga's workflow ("flow") API,
// the contract in shared/diga-api/openapi.json. It owns its own types and
// never imports the provider's client: it is an independent implementation
// the provider and its acceptance tests can be checked against.
//
// Server is an http.Handler. Besides the API it offers out-of-band helpers
// for tests (Flows, Flow, CreateFlow, DeleteFlow, RenameFlow, EditFlow,
// SetStatus, SeedFlows, Requests, WriteCount, ResetRequests, SetFaults,
// FaultStats, AddTemplate, Connections, FailStep, ClearStepFailures,
// SampleData, RunCount); those never count as API
// requests.
//
// Where Diga's layer over the engine is unknown, the emulator offers each
// plausible reading as a mode (WithImportMode, WithResponseMode; see
// "Modes"). Everything below describes the defaults, ImportLenient and
// ResponseDeclared, unless it names a mode.
//
// # Implemented operations
//
//	GET    /v1/workflow/                  list (200)
//	POST   /v1/workflow/                  create (201)
//	GET    /v1/workflow/{flow_id}         get (200)
//	DELETE /v1/workflow/{flow_id}         delete (204, empty body)
//	PATCH  /v1/workflow/{flow_id}/rename  rename the draft (200)
//	PATCH  /v1/workflow/{flow_id}/status  enable/disable (200)
//	POST   /v1/workflow/{flow_id}/publish lock and publish (200)
//	POST   /v1/workflow/{flow_id}/draft   use published version as draft (200)
//	POST   /v1/workflow/{flow_id}/import  replace the draft definition (200)
//	PATCH  /v1/workflow/{flow_id}/trigger replace the draft trigger (200)
//	POST   /v1/workflow/{flow_id}/action  add a step (200)
//	PATCH  /v1/workflow/{flow_id}/action  update a step (200)
//	DELETE /v1/workflow/{flow_id}/action/{action_name}  delete a step (200)
//	POST   /v1/workflow/{flow_id}/action/move  move a step (200)
//	POST   /v1/workflow/{flow_id}/branch  add a router branch (200)
//	DELETE /v1/workflow/{flow_id}/branch  delete a router branch; JSON body (200)
//	POST   /v1/workflow/{flow_id}/branch/duplicate  duplicate a branch (200)
//	POST   /v1/workflow/{flow_id}/branch/move  move a branch (200)
//	GET    /v1/workflow/template              list templates (200; see "Templates")
//	GET    /v1/workflow/template/{template_id}  get a template (200)
//	POST   /v1/workflow/template/{template_id}/copy  copy into a new flow (200)
//	GET    /v1/workflow/piece                 list pieces (200, public; see "Pieces")
//	GET    /v1/workflow/piece/{piece_name}    get a piece (200, public)
//	GET    /v1/workflow/connections           list connections (200; see "Connections")
//	POST   /v1/workflow/connections           upsert a connection (200)
//
//	POST   /v1/workflow/{flow_id}/trigger/test  test the trigger (200; see "Testing and executions")
//	POST   /v1/workflow/{flow_id}/steps/{step_name}/test  test one action step (200)
//	GET    /v1/workflow/{flow_id}/steps/{step_name}/sample-data  read sample data (200)
//	POST   /v1/workflow/{flow_id}/steps/{step_name}/sample-data  save sample data (200)
//	POST   /v1/workflow/{flow_id}/test    test the whole flow; records a run (200)
//	GET    /v1/workflow/{flow_id}/executions  list the flow's runs (200)
//	GET    /v1/workflow/executions/{run_id}   one run with its steps (200)
//
// Every operation in openapi.json is implemented; a route without a handler
// would answer 501 with Diga's envelope
// {"status":"error","error_code":"NOT_IMPLEMENTED","message":"..."}.
//
// # Choices where the documentation is silent
//
// Routing follows Starlette/FastAPI:
//   - Paths are case sensitive and matched segment by segment in openapi.json
//     order (= FastAPI declaration order); the first route matching path and
//     method wins even if an earlier route matched the path only, so e.g.
//     DELETE /v1/workflow/piece is "delete flow piece" (→ 404 FLOW_NOT_FOUND).
//   - No route for the path → 404 {"detail":"Not Found"}. Path matches but
//     not the method → 405 {"detail":"Method Not Allowed"} with an Allow
//     header naming the first matching route's method. HEAD is not
//     implicitly allowed on GET routes (FastAPI's APIRoute does not add it).
//   - redirect_slashes: when nothing matches, the path with the trailing
//     slash toggled (all trailing slashes stripped, or one added) is tried;
//     if any route matches it, the answer is 307 with an absolute Location
//     built from the request's scheme and Host, query string preserved, and
//     an empty body. So /v1/workflow → /v1/workflow/ and /v1/workflow/{id}/ →
//     /v1/workflow/{id}, for every method. Routing (404/405/307) happens
//     before authentication.
//
// Authentication:
//   - Authorization: Bearer <key>, split at the first space like FastAPI's
//     HTTPBearer; the scheme is case-insensitive, the key compared verbatim.
//     Missing, malformed or unknown → 401
//     {"status":"error","error_code":"INVALID_API_KEY","message":"Invalid or missing API key"}
//     plus WWW-Authenticate: Bearer.
//   - Each key is its own project; a flow of another key is answered exactly
//     like an unknown flow. New() accepts no key until WithAPIKeys/AddAPIKey.
//   - Authentication is checked before anything about the request body. Real
//     FastAPI parses the JSON body before running dependencies, so there a
//     malformed JSON body would give 422 even with a bad key; every other
//     body error comes after the 401 in both.
//
// Errors:
//   - Unknown flow → 404 {"status":"error","error_code":"FLOW_NOT_FOUND","message":"Flow <id> not found"}.
//     Body validation (422) runs before the flow lookup, as FastAPI validates
//     before calling the endpoint.
//   - 422 bodies use pydantic v2 items {type, loc, msg, input[, ctx]}
//     ("url" omitted, as FastAPI does): missing, string_type,
//     string_too_short (ctx min_length), enum (ctx expected, e.g.
//     "'ENABLED' or 'DISABLED'"), dict_type, list_type,
//     model_attributes_type (body, or a nested model such as
//     AddActionRequest.action, is not an object: FastAPI validates with
//     from_attributes=True, so even null gives this rather than dict_type),
//     int_parsing, greater_than_equal, less_than_equal, literal_error,
//     bool_parsing, bool_type. "input" echoes the value (for a missing
//     field: the whole enclosing object), re-serialized, so its key order
//     may differ from the request.
//   - int body fields (branchIndex, newIndex) follow pydantic v2's lax mode
//     on the value json.loads produced: any JSON integer (arbitrary size);
//     true/false as 1/0; whole floats of magnitude below 2**63 (larger:
//     int_parsing_size; fractional: int_from_float); strings as for query
//     integers (int_parsing otherwise); anything else, null for a required
//     field included, int_type. A literal overflowing a double (1e400) is
//     finite_number (real FastAPI would then fail to render the 422 and
//     answer 500; the emulator keeps the 422). Optional[...] fields accept
//     absent and null.
//   - Empty body or JSON null → [{"type":"missing","loc":["body"],"msg":"Field required","input":null}].
//   - Malformed JSON → [{"type":"json_invalid","loc":["body",pos],"msg":"JSON decode error","input":{},"ctx":{"error":msg}}]
//     where pos and msg are what CPython 3.13's json module reports (pos is a
//     character offset, equal to the byte offset for ASCII bodies; msg e.g.
//     "Expecting value", "Expecting ',' delimiter", "Illegal trailing comma
//     before end of object"). NaN/Infinity, which Python accepts, are
//     rejected as "Expecting value". Invalid UTF-8 or nesting deeper than
//     1000 → 400 {"detail":"There was an error parsing the body"}.
//   - A body sent with a non-JSON Content-Type (e.g. text/plain, or
//     application/x-www-form-urlencoded, which curl -d sends by default) is
//     not parsed, as in FastAPI, and fails model validation as
//     model_attributes_type with the raw text as input. No Content-Type at
//     all is parsed as JSON.
//   - Unknown body fields are ignored (pydantic's default extra="ignore").
//   - Query parameters: a repeated parameter counts with its last value; all
//     query errors are reported together in declaration order. Integers
//     accept surrounding whitespace, a sign, digit-separating underscores
//     and a ".0" suffix; booleans accept 1/0, true/false, t/f, yes/no, y/n,
//     on/off in any case — both as pydantic v2's lax mode does (checked
//     against pydantic 2.13).
//
// Flows (FlowAllResponse, keys in model order: id, name, created, updated,
// status, flow_category, trigger, produced_variables, consumed_variables):
//   - id: 21 random characters from [0-9A-Za-z] (Activepieces style), unique
//     across all projects and never reused.
//   - created/updated: UTC, rendered like pydantic v2:
//     2026-11-28T21:11:37.123456Z, or 2026-11-28T21:11:37Z when the
//     microseconds are zero. Times are kept at microsecond precision.
//   - updated is set on every successful write (create, rename, status on a
//     published flow, publish, draft, import, trigger, every step and branch
//     operation; also RenameFlow, EditFlow and SetStatus), even when the new
//     value equals the old one (e.g. a branch moved to its own position),
//     like an ORM update. The silent status no-op and failed requests leave
//     it alone.
//   - A new flow is DISABLED, category empty, with the trigger
//     {"name":"trigger","type":"EMPTY","valid":false,"displayName":"Select Trigger","settings":{},"nextAction":null}.
//   - produced_variables and consumed_variables are always [] (no documented
//     rule derives them).
//   - GET and every edit answer show the draft (name, trigger, category).
//     The published version is only visible through Flow().
//   - Trigger trees are serialized through TriggerResponse/StepResponse and
//     their settings models, as FastAPI's response_model with pydantic's
//     default extra="ignore" does (the spec declares no
//     additionalProperties): model keys in model order, absent declared keys
//     as null, undeclared keys (e.g. CODE settings.sourceCode, LOOP
//     settings.items, errorHandlingOptions, firstLoopAction,
//     lastUpdatedDate) dropped; free-form dicts (input, propertySettings,
//     sampleData, branches items) keep all their keys and come back sorted
//     (Go's map encoding), deliberately not in the order the client sent.
//     A loop body is shown as children[0] wherever it is stored (a stored
//     firstLoopAction comes first, before any stored children), since
//     StepResponse.children is documented as "router branch heads / loop
//     bodies". The stored tree keeps everything (EditFlow and Flow() see
//     it). The other response modes (see "Modes") return the stored tree
//     itself or hide loop bodies.
//   - Known deviation: a router's empty branch is a null item in children,
//     as Activepieces stores it, although StepResponse.children items are not
//     nullable in the contract; the contract cannot express an empty branch.
//
// flow_category is derived from the draft trigger tree on every read:
//  1. trigger type EMPTY (or anything but PIECE_TRIGGER) → empty;
//  2. PIECE_TRIGGER of the Diga piece (settings.pieceName "@diga/piece-diga",
//     or any name ending in "piece-diga") with settings.triggerName
//     call_finished → post_call, function_call → during_call,
//     pre_call → pre_call;
//  3. otherwise, any PIECE step anywhere in the tree (nextAction chains and
//     children) of the Diga piece with actionName make_call → call_launcher;
//  4. otherwise (a non-Diga trigger, or an unknown Diga trigger name, with
//     no make_call step) → empty, meaning "not a call flow".
//
// So a call_finished flow that also makes a call stays post_call.
//
// Lifecycle:
//   - Rename changes the draft name only; publish copies it to the published
//     version.
//   - Status: on a never-published flow, PATCH …/status is a silent no-op:
//     200 with the unchanged flow (documented Diga behavior). Once
//     published, it sets ENABLED/DISABLED. Publishing does not change the
//     status, and editing the draft of an enabled flow does not disable it.
//   - Publish (no body; any body is ignored) copies the draft trigger tree
//     and name as the published version. A draft whose trigger type is EMPTY
//     is refused with 400
//     {"status":"error","error_code":"FLOW_NOT_PUBLISHABLE","message":"..."}
//     (the Activepieces engine refuses to lock an invalid flow); this is what
//     makes "enable an unpublishable flow" testable, because the status
//     no-op then keeps the flow DISABLED. Under ImportLenient step validity
//     ("valid":false) does not block publishing; under ImportEngine it does
//     (see "Modes").
//   - Draft copies the published trigger tree and name back into the draft;
//     on a never-published flow → 400 error_code FLOW_NOT_PUBLISHED.
//   - Delete removes the flow (204); the id then answers 404 everywhere.
//
// Import (ImportFlowRequest: displayName str required (empty allowed, the
// schema has no minLength), trigger object required, schemaVersion
// optional str) replaces the draft trigger tree and sets the draft name to
// displayName. After model validation and the flow lookup, the tree itself
// is checked and any problem answered with 422 items located inside the body
// (e.g. ["body","trigger","nextAction","children",0,"type"]):
//   - trigger.type must be EMPTY or PIECE_TRIGGER and every step's type
//     PIECE, CODE, LOOP_ON_ITEMS or ROUTER (enum);
//   - every step needs a non-empty string name, unique in the tree together
//     with the trigger's name (duplicates: value_error);
//   - keys the response models declare must have the declared JSON type or
//     be null (string_type, dict_type, list_type, bool_type), so a stored
//     tree can always be rendered;
//   - nextAction and firstLoopAction must be a step object or null;
//     children an array of step objects or nulls (null items, used for
//     empty router branches, are kept).
//
// A loop body may come in either place: children[0], as the contract
// describes StepResponse.children, or firstLoopAction, Activepieces' own
// key. It is stored where it came; when a LOOP_ON_ITEMS step has a non-null
// firstLoopAction, that is its body and the step's children are dropped
// (neither checked nor stored), as the engine ignores them. A
// firstLoopAction on another step type is checked and kept like children.
//
// The stored tree keeps every key the client sent (children included) and
// gains server-owned keys, as a real engine would:
//   - "valid" on the trigger and every step, recomputed (client values are
//     overwritten): a PIECE_TRIGGER needs settings.pieceName and
//     triggerName; PIECE needs pieceName and actionName; CODE a
//     settings.sourceCode object; LOOP_ON_ITEMS a non-empty settings.items;
//     ROUTER a non-empty settings.branches; EMPTY is never valid;
//   - trigger "name" defaults to "trigger" when absent or null;
//   - "skip": false on steps when absent or null;
//   - "nextAction": null on steps (and the trigger) when absent;
//   - settings {} when absent or null, and settings.propertySettings {} and
//     settings.sampleData {} when absent or null, on every step and on a
//     PIECE_TRIGGER (an EMPTY trigger's settings are kept as sent).
//
// PATCH …/trigger (UpdateTriggerRequest: type, displayName, settings, all
// required) replaces the draft trigger with {name (kept), type, displayName,
// settings (+ the defaults above for PIECE_TRIGGER), valid, nextAction (the
// existing chain, unchanged)}; the settings keys are type-checked like in an
// import, located under ["body","settings",...].
//
// # Step and branch editing
//
// The eight step/branch operations edit the draft only and answer 200 with
// the flow (FlowAllResponse of the draft, tree keys sorted as always). They
// borrow Activepieces' flow-operation semantics (ADD_ACTION, UPDATE_ACTION,
// DELETE_ACTION, MOVE_ACTION, ADD/DELETE/DUPLICATE/MOVE_BRANCH), mapped onto
// Diga's tree: a step's nextAction is the step after it; a LOOP_ON_ITEMS
// step's body is the chain starting at its firstLoopAction when it has one,
// else at children[0] (further children, if an import put any there, are
// left alone); a ROUTER keeps settings.branches[i]
// and children[i] aligned, children[i] being the head of branch i's chain or
// null for an empty branch. Every operation works on a copy of the draft
// tree, stored only if the whole operation succeeds, and the stored result
// goes through the same normalization as an import (valid recomputed
// everywhere, skip/nextAction/settings defaults), so flow_category follows.
// Steps are addressed by name, the trigger by its name (normally
// "trigger"); names are searched depth first (a node, its firstLoopAction
// chain, its children in order, then its nextAction chain). Under
// ImportEngine the normalization is the engine's (see "Modes").
//
// Order of checks: authentication (401), body model validation (422, shapes
// below), flow lookup (404 FLOW_NOT_FOUND), then, like an import's tree
// checks, the submitted settings (422 located in the body), then the tree
// operation itself. The engine's refusals are undocumented by Diga; they are
// answered 400 with Diga's envelope {"status":"error","error_code":...,
// "message":...} (NOTES: engine errors are passed through as 4xx; 400
// rather than 404 so that a 404 keeps meaning "no such flow"). Codes:
//   - STEP_NOT_FOUND: parentStep, name, newParentStep, stepName or the path's
//     action_name names no step; also when a step-only field (the step to
//     update, delete or move, the router of a branch operation) names the
//     trigger ("Step trigger is the flow's trigger, not an action"), as
//     Activepieces' getActionOrThrow does.
//   - DUPLICATE_STEP_NAME: an added step's name is already used by a step or
//     by the trigger.
//   - INVALID_STEP_LOCATION: INSIDE_LOOP relative to anything but a
//     LOOP_ON_ITEMS step, INSIDE_BRANCH relative to anything but a ROUTER
//     (the trigger included); moving a step relative to itself or to a step
//     inside its own children.
//   - INVALID_BRANCH_INDEX: INSIDE_BRANCH without branchIndex; a branch
//     index outside 0…len(branches)-1 (for add branch, outside the insert
//     positions 0…len(branches)); negative and huge values included. The
//     message names the field (branchIndex or newIndex).
//   - INVALID_STEP_TYPE: a branch operation on a step that is not a ROUTER
//     (Activepieces silently ignores it; an error is more useful).
//
// When several apply, the first in this order wins: a named step not found
// (for a move, name before newParentStep), then the duplicate name (add) or
// the step not being a ROUTER (branch operations), then the location
// (moving into itself, then INSIDE_* on the wrong parent), then the branch
// index (branchIndex before newIndex).
//
// POST …/action (AddActionRequest: parentStep str, action ActionDefinition
// {name str, type ActionType, displayName str, settings dict} all required,
// stepLocationRelativeToParent Optional[enum] defaulting to AFTER,
// branchIndex Optional[int]). Keys of action other than those four (skip,
// children, nextAction, …) are ignored, as pydantic would. After the
// lookup, the name must be non-empty (string_too_short at
// ["body","action","name"], as an import requires) and the settings keys are
// type-checked like an import's, under ["body","action","settings",...].
// The new step is {name, type, displayName, settings (+ propertySettings and
// sampleData defaults), skip false, valid}; a ROUTER gets one null child per
// settings.branches entry (Activepieces), other types no children key.
//   - AFTER (any parent, trigger included, also a loop or router): inserted
//     between the parent and its nextAction. branchIndex is ignored.
//   - INSIDE_LOOP: the new first step of the loop body, the old body
//     following it: in firstLoopAction when the loop has one, in children[0]
//     when that holds a step, otherwise firstLoopAction under ImportEngine
//     and children[0] (created if absent) under ImportLenient. Deleting a
//     firstLoopAction body's only step removes the key.
//   - INSIDE_BRANCH: the new head of children[branchIndex], the old head
//     following it.
//
// PATCH …/action (UpdateActionRequest: name, type, displayName, settings,
// all required) replaces type, displayName and settings of the step called
// name; every other key of the step (name, nextAction, children, skip,
// custom keys such as errorHandlingOptions) is kept. Changing the type is
// allowed (Diga's request carries it); a step that is a ROUTER afterwards
// has its children padded with nulls to one per branch (never truncated:
// change branch counts with the branch operations). settings are
// type-checked like an import's under ["body","settings",...].
//
// DELETE …/action/{action_name} (no body) removes the step: its nextAction
// takes its place (in its parent's nextAction, a loop body or a router
// branch, which becomes null when it was the branch's only step); a loop's
// or router's children are removed with it, so their names become free.
// DELETE …/action/move deletes a step named "move" (route order, as in
// FastAPI).
//
// POST …/action/move (MoveActionRequest: name, newParentStep required;
// stepLocationRelativeToParent, branchIndex optional) takes the step out
// (its nextAction chain closes the gap, as for a delete), keeping its own
// children, then inserts it exactly like an add, relative to newParentStep.
// Moving a step after the step preceding it is accepted and changes nothing.
//
// Branch requests (stepName is the ROUTER; indices are zero-based):
//   - POST …/branch (AddBranchRequest: stepName, branchName, branchIndex
//     required; conditions optional) inserts at branchIndex (0…len, len
//     appends) the branch {branchName, branchType "CONDITION", conditions},
//     and a null child. conditions are stored as sent (an explicit [] is
//     kept); absent or null gives Activepieces' default [[{firstValue "",
//     secondValue "", operator "TEXT_CONTAINS", caseSensitive false}]]. A
//     FALLBACK ("Otherwise") branch gets no special treatment anywhere.
//     Conditions are validated as a pydantic smart-mode union of
//     BranchTextCondition, BranchNumberCondition, BranchDateCondition and
//     BranchSingleValueCondition (the spec's oneOf has no discriminator): an
//     item passes when any member accepts it (unknown keys ignored);
//     otherwise the errors of all four are reported, located under each
//     member's class name, e.g.
//     ["body","conditions",0,0,"BranchTextCondition","secondValue"]. operator
//     values are literals (literal_error); caseSensitive is Optional[bool]
//     (pydantic lax: true/false, 0/1, 0.0/1.0, "yes"/"no"/…).
//   - DELETE …/branch (DeleteBranchRequest: stepName, branchIndex, in the
//     JSON body of the DELETE; no body → the usual missing-body 422) removes
//     branch and child, the child's steps included. Deleting the last branch
//     is allowed and leaves an invalid router.
//   - POST …/branch/duplicate (DuplicateBranchRequest: stepName, branchIndex)
//     inserts at branchIndex+1 a copy of the branch named "<branchName> Copy"
//     (a FALLBACK branch's copy becomes a CONDITION branch with the default
//     condition) and a copy of its steps: in depth-first order each copied
//     step is named with the first free step_N (Activepieces'
//     findUnusedName), gets " Copy" appended to its displayName, and
//     whole-word references to the renamed steps inside {{ }} expressions in
//     its settings.input strings are rewritten (in one pass), so a copied
//     step that read "{{a_1.body}}" reads the copy of a_1.
//   - POST …/branch/move (MoveBranchRequest: stepName, branchIndex, newIndex
//     all required) moves branch and child from branchIndex to newIndex
//     (both 0…len-1; remove then insert). Equal indices are accepted as a
//     no-op write.
//
// Out-of-band edits (not API requests, never counted by WriteCount):
//   - EditFlow(apiKey, id, edit) simulates a UI edit of the draft tree: edit
//     gets a deep copy (numbers as json.Number) to change in place and runs
//     without the server's lock; the result is JSON round-tripped (any
//     encodable Go values may be used; an unencodable tree panics), stored
//     without validation, normalized like the step operations' results
//     (ImportLenient: server-owned keys re-added, valid recomputed;
//     ImportEngine: see "Modes"), and updated is bumped. Nothing the edit
//     puts in the tree is dropped in any mode: a loop body may be edited in
//     firstLoopAction or children, a CODE step's sourceCode or a router's
//     executionType changed, whatever the response mode shows. false
//     (nothing changed) for an unknown flow or one deleted while edit ran.
//   - SetStatus(apiKey, id, status) simulates the UI's enable/disable: the
//     status is stored verbatim whether or not the flow was ever published
//     (no silent no-op, no value check), and updated is bumped. false for
//     an unknown flow.
//
// List (GET /v1/workflow/):
//   - Flows are ordered newest first (creation order, ties impossible). The
//     filters status, flow_category (derived as above) and is_diga_trigger
//     (true: the draft trigger is a PIECE_TRIGGER of the Diga piece, any
//     trigger name; false: everything else, EMPTY included) apply before
//     pagination.
//   - limit 1–30 (default 10); order only "desc"; page ≥ 1.
//   - after=<id>: the flows that come after that flow in the order (older
//     ones), up to limit; has_more tells whether more follow. before=<id>:
//     the up-to-limit flows immediately before it (newer ones), still newest
//     first; has_more tells whether even newer flows exist. The cursor flow
//     need not match the filters, and a deleted flow's id keeps working as a
//     cursor (its position is remembered). An id never issued in the
//     project gives an empty page with has_more false (not an error). When
//     both are given, after wins and before is ignored.
//   - In cursor mode current_page and total_pages are null and page is
//     ignored. Otherwise (page mode, page defaulting to 1) current_page is
//     the requested page and total_pages = ceil(matching/limit) (0 when
//     nothing matches); a page past the end is empty with has_more false.
//   - first_id/last_id are the ids of the first and last flow of data, null
//     when the page is empty.
//
// Rename with WithSparseRenameResponse answers without the "status" and
// "flow_category" keys, like the example on Diga's rename page.
//
// Bookkeeping: Requests records every request ServeHTTP handled (routing
// errors, 401s and fault-injected requests included), in completion order,
// with the bearer credential it presented. RequestRecord.Fault tells how
// fault injection shaped a request; Status is what the client received, or
// a sentinel when it received nothing (see "Fault injection"). WriteCount
// counts the POST/PATCH/PUT/DELETE ones presenting a given key that reached
// a route (any status, including 401, 404, 422 and 501, and injected errors,
// lost answers and canceled requests: it counts attempts; not 404/405/307
// from the router). SeedFlows creates flows named
// prefix+"1"…prefix+"n" and returns their ids oldest first; it does not make
// the key valid.
//
// # Modes
//
// Options, each defaulting to the first value (the behaviour described
// above). Mode names (ParseImportMode, ParseResponseMode, cmd/diga-emulator's
// flags): lenient, engine; declared, full, declared-no-loop-bodies.
//
//	WithImportMode      loop body read from             stored                    valid; publish
//	  ImportLenient     firstLoopAction or children[0]  as sent + defaults        emulator's rules; only EMPTY blocks
//	  ImportEngine      firstLoopAction only            as the engine stores it   sent && schema && catalogue; invalid blocks
//
//	WithResponseMode               trees in answers
//	  ResponseDeclared             declared models; a loop body as children[0]
//	  ResponseFull                 the stored tree, keys sorted (off-contract)
//	  ResponseDeclaredNoLoopBodies declared models; a loop's children always null
//
// WithStrictResponseModel and WithLenientResponseModel are the older names
// of ResponseDeclared and ResponseFull. ModeOptionsFromEnv reads the modes
// from the environment for test helpers (the provider's acceptance tests
// use it): DIGA_EMULATOR_IMPORT_MODE and DIGA_EMULATOR_RESPONSE_MODE take a
// mode name, DIGA_EMULATOR_STRICT=1 means engine +
// declared-no-loop-bodies (either variable overrides its half). Options
// given after those (a test's own) win.
//
// ResponseFull violates the contract's closed response models (it is how
// the provider is shown to cope with a server adding keys); the two
// declared modes follow it, but for the router's null children noted above.
// ResponseDeclaredNoLoopBodies is a Diga that passes Activepieces' tree
// through its response models unchanged: firstLoopAction is undeclared, so
// dropped, and a loop has no children, so null; a body a lenient import
// stored in children is not shown either.
//
// ImportEngine reproduces @activepieces/shared 0.96.2's flow operations
// (IMPORT_FLOW = CHANGE_NAME + DELETE_ACTION of every step + UPDATE_TRIGGER
// of request.trigger + one ADD_ACTION per step; testdata/engine-import.json
// holds what that code itself stores for 68 requests, and the emulator is
// tested against it). After the body and tree checks of an import (422,
// as above but over the tree as the engine reads it: a loop's children and
// a non-loop's firstLoopAction are not looked at; only a router's children
// are; "valid" must be a boolean or null), in this order:
//  1. A ROUTER step whose children is not an array (absent, null) → 500:
//     the engine strips every added router's children with children.map().
//  2. A PIECE_TRIGGER without settings, or whose settings.pieceVersion is
//     absent or null → 500 (getExactVersion throws a TypeError).
//  3. request.trigger.name must be the draft trigger's name (UPDATE_TRIGGER
//     looks the trigger up by it; a new flow's is "trigger"); another name
//     or none → 400 {"status":"error","error_code":"STEP_NOT_FOUND",
//     "message":"Step <name> not found: the draft's trigger is named
//     <current>"} ("The imported trigger has no name: …" without one). The
//     engine throws ENTITY_NOT_FOUND; Diga passes engine errors as 4xx, and
//     400 rather than 404 keeps 404 meaning "no such flow", as for the step
//     operations' STEP_NOT_FOUND.
//  4. A step without settings (null or absent), a PIECE step without
//     pieceVersion, a ROUTER whose settings.branches is not an array → 500.
//
// A 500 is Starlette's text/plain "Internal Server Error"; neither it nor
// the 400 changes anything (the operations apply to a copy). Otherwise the
// stored draft is what the engine stores:
//   - trigger: {name, type, displayName, settings, valid, lastUpdatedDate,
//     nextAction}; other keys of the request are dropped. A
//     PIECE_TRIGGER's settings are as sent with pieceVersion exact (a
//     leading ~ or ^ stripped) and sampleData replaced by the previous
//     draft trigger's settings.sampleData (removed when that was not a
//     PIECE_TRIGGER); an EMPTY trigger's settings as sent.
//   - each step: {name, type, displayName, skip (only when sent),
//     settings (as sent; a PIECE's pieceVersion exact), valid,
//     lastUpdatedDate, nextAction}; a LOOP_ON_ITEMS body is read from
//     firstLoopAction only and stored there (a loop's children are dropped:
//     their steps are silently lost); a ROUTER gets one null child per
//     settings.branches item, then each non-null child i of the request at
//     index i (the array grows with nulls past the branches, as a
//     JavaScript array does); any other type's children or firstLoopAction
//     is dropped. No defaults are added (no skip false, no
//     propertySettings/sampleData {}, no nextAction null).
//   - lastUpdatedDate: the server clock as dayjs' toISOString
//     (2026-03-04T05:06:07.891Z), on every node written.
//   - valid = (the sent valid, true when absent or null) && the engine's
//     schema && the catalogue check. Schema (zod, extra keys ignored,
//     optional means absent: an explicit null fails): a step's name matches
//     ^[a-zA-Z_][a-zA-Z0-9_]*$, displayName is a string, skip absent or a
//     boolean; settings.sampleData absent or {sampleDataFileId?,
//     sampleDataInputFileId?, lastTestDate?: string}, customLogoUrl absent
//     or a string; CODE sourceCode {packageJson, code: string}, input an
//     object, errorHandlingOptions absent or {continueOnFailure?,
//     retryOnFailure?: {value?: boolean}}; PIECE pieceName string,
//     pieceVersion ^([~^])?\d+\.\d+\.\d+$, actionName absent or a string,
//     input an object, propertySettings an object of {type: MANUAL|DYNAMIC},
//     errorHandlingOptions as CODE; LOOP_ON_ITEMS items a string (""
//     included); ROUTER executionType EXECUTE_ALL_MATCH|EXECUTE_FIRST_MATCH,
//     branches an array of {branchName: string, branchType: "FALLBACK"} or
//     {branchName, branchType: "CONDITION", conditions: arrays of arrays of
//     conditions}, a condition being accepted by any of: {firstValue,
//     secondValue: string, caseSensitive?: boolean, operator?: a text
//     operator}, the same with a number or a date operator and no
//     caseSensitive, or {firstValue: string, operator?: a single-value
//     operator} (so empty values pass). A PIECE_TRIGGER: name, displayName
//     as above, settings {pieceName string, pieceVersion as above,
//     triggerName absent or a string, input and propertySettings as above,
//     sampleData and customLogoUrl as above}. Catalogue (Activepieces'
//     server adds it; only for pieces the emulator's catalogue lists, the
//     others get the schema alone): the action (trigger) must exist in the
//     piece, every property it marks required must be in settings.input
//     (absent, null and "" count as missing; defaults are not applied, so
//     a required input with a defaultValue must be sent all the same), and
//     "auth" too when the piece has auth and the operation requires it
//     (requireAuth, on actions and triggers alike). An EMPTY
//     trigger is never valid (the engine's schema would accept it; the
//     server refuses to lock it anyway).
//   - publish (after the EMPTY check) → 400 {"status":"error",
//     "error_code":"FLOW_NOT_PUBLISHABLE","message":"Flow <id> cannot be
//     published: invalid steps: <names> (…)"} while the trigger or any step
//     whose skip is not true has valid other than true (the code is the
//     emulator's invention, shared with the EMPTY refusal: both are the
//     engine refusing to lock an invalid version).
//
// Other writes under ImportEngine:
//   - PATCH …/trigger is UPDATE_TRIGGER on the draft trigger's name: the
//     same trigger rules (500 for a PIECE_TRIGGER without pieceVersion;
//     exact version; sampleData from the replaced trigger; valid =
//     schema && catalogue; lastUpdatedDate), the nextAction chain kept.
//   - POST and PATCH …/action: a PIECE step without pieceVersion, or a
//     ROUTER without a branches array, → 500 (before the step lookup, as in
//     the engine); pieceVersion stored exact; settings stored without the
//     propertySettings/sampleData defaults. The operations themselves keep
//     the emulator's semantics (see "Step and branch editing"), but a new
//     loop body goes to firstLoopAction.
//   - Every stored result of a step or branch operation, an EditFlow or a
//     template copy is normalized the engine's way: nothing is defaulted
//     or dropped (a missing trigger name becomes "trigger"); a node that is
//     new (no node of its name before) or whose own keys (all but
//     nextAction, children, firstLoopAction, lastUpdatedDate) changed gets
//     lastUpdatedDate now and valid = (its valid if the write changed it,
//     else true) && schema && catalogue, as UPDATE_ACTION recomputes the
//     step it writes; other nodes keep their valid (and lastUpdatedDate).
//     So an EditFlow that sets valid:false keeps it, and one that fixes a
//     step's settings makes it valid again.
//
// Not reproduced: UPDATE_ACTION's own rules (it resets a changed type's
// children, keeps the old sampleData), the server's non-empty router
// condition values (RouterActionSettingsWithValidation) and property type
// checks beyond presence.
//
// # Templates
//
// The template catalogue is global (one per Server, the same for every
// key), but every template route needs a valid key, as the spec says. Four
// templates are built in, oldest first: TemplateSlackSummaryES (es,
// post_call), TemplateHubSpotLookupES (es, during_call),
// TemplateCRMWebhookEN (en, post_call) and TemplateAvailabilityEN (en,
// during_call); AddTemplate adds more after them.
//
// FlowTemplateResponse, keys in model order (id, name, language,
// description, flow_category, setup_guide_url, template, connections,
// variables):
//   - template is the flow JSON in Activepieces' template shape
//     {displayName (the template's name), schemaVersion "1", trigger}, the
//     shape POST …/import takes. The trigger tree is kept as given, its
//     placeholders unsubstituted; its keys come out sorted.
//   - variables: the names of the <<name>> placeholders (letters, digits,
//     "_", "." and "-", no spaces) found in the tree's string values (not
//     in keys), sorted, without duplicates; plain strings, as the spec's
//     items are.
//   - connections: TemplateConnectionInfo items {key, name, description,
//     piece_name, auth_type}; steps refer to them as
//     {{connections['<key>']}}. null when the template needs none.
//   - flow_category is stored with the template (AddTemplate derives it from
//     the tree by the flow rule when not given); description and
//     setup_guide_url may be null.
//
// GET /v1/workflow/template answers the flows' list envelope, with the
// flow list's cursor and page rules applied in the requested order:
//   - language: exact match, default "es", so a plain listing shows only
//     the Spanish templates (language=en for the English ones); any string
//     is accepted, an unknown one gives an empty page. flow_category:
//     FlowCategory enum.
//   - order asc or desc (literal_error otherwise), default desc, over the
//     creation order; after=<id> gives the templates following it in that
//     order, before=<id> the ones just before it (still in that order).
//   - limit 1–100, default 20; page ≥ 1.
//   - after, before (and the path's template_id) are UUIDs: anything else is
//     pydantic's 422 uuid_parsing, "Input should be a valid UUID, <error>"
//     with ctx.error, where <error> is what Rust's uuid crate says (e.g.
//     "invalid length: expected length 32 for simple format, found 3",
//     "invalid character: expected an optional prefix of `urn:uuid:`
//     followed by [0-9a-fA-F-], found `x` at 1"). Every form the crate
//     parses is accepted (32 hex digits, hyphenated, {braced},
//     urn:uuid:…, any case) and names the same template. An unknown UUID
//     as a cursor gives an empty page with has_more false.
//
// GET /v1/workflow/template/{template_id}: 422 for a non-UUID, 404 for an
// unknown one. The spec documents "404 Template not found" without a body;
// the emulator answers Diga's envelope
// {"status":"error","error_code":"TEMPLATE_NOT_FOUND","message":"Template <id> not found"}.
//
// POST …/template/{template_id}/copy (body Optional[CopyTemplateRequest]:
// absent, null and {} all mean "defaults"). Checks, in order: 401; 422
// (path and body errors together, path first; malformed JSON alone); 404
// TEMPLATE_NOT_FOUND; then 400 INVALID_TEMPLATE with Diga's envelope (the
// spec's "400 Invalid template" has no documented body):
//   - "Missing template variables: a, b": placeholders without a value
//     (absent or null), sorted;
//   - "Template variable x must be a string, number or boolean" for an
//     object or array value;
//   - "Template <id> is invalid: <msg> at <loc>" when the substituted tree
//     fails an import's tree checks.
//
// A refused copy creates nothing (no flow, no connection). Otherwise:
//   - variables: every <<name>> in every string of the tree is replaced by
//     its value as text: strings as given, numbers as the JSON literal sent
//     (12.50 stays "12.50"), booleans "true"/"false"; in one pass (a value
//     containing <<x>> is not expanded again). Extra variables are ignored.
//   - connections [{key, value}]: for each key the template declares (other
//     keys are ignored; the last value for a key wins) a connection is
//     upserted in the caller's project exactly like POST
//     /v1/workflow/connections would, with the template connection's
//     piece_name, display_name = its name, type = its auth_type and a value
//     built from the string: SECRET_TEXT {secret_text}, BASIC_AUTH
//     "user:password" {username, password}, CUSTOM_AUTH {props: {value}},
//     the OAuth2 types {code}, NO_AUTH none. Every connections['<key>'] (or
//     connections["<key>"]) reference in the tree's strings then becomes
//     connections['<external_id>'] of that connection; references to keys
//     given no value stay as they are.
//   - A flow is created in the caller's project as by POST /v1/workflow/,
//     named flow_name (the template's name when flow_name is absent, null or
//     ""), DISABLED, never published, the substituted tree as its draft,
//     normalized like an import (so flow_category follows the tree); under
//     ImportEngine like an edited tree (see "Modes"), never a 500.
//   - Answer 200 CopyTemplateResponse {flow_id, flow_name, edit_url} with
//     edit_url "https://app.diga.io/flows/<flow_id>".
//   - Connection values are secrets: 422 answers show "[REDACTED]" where
//     pydantic would echo one (a value that is not a string, a
//     missing-field error's item, an item, a connections field or a body
//     that is not of the expected type).
//
// # Pieces
//
// GET /v1/workflow/piece and GET /v1/workflow/piece/{piece_name} declare no
// security: they need no key, and any Authorization header, a wrong key
// included, is ignored (never a 401; Requests still records the credential
// presented).
//
// The catalogue is data, embedded from piecedata/ (piecedata.go loads it):
//   - activepieces-piece-{slack,openai,gmail,hubspot,google-sheets,
//     google-calendar}.json are generated by `make catalog-refresh`
//     (scripts/catalog: package.json and package-lock.json pin each
//     package's version, refresh.js loads each package's Piece and writes
//     its metadata). They are the newest versions published: Slack 0.17.9,
//     OpenAI 0.3.18, Gmail, HubSpot, Google Sheets and Google Calendar
//     0.2.0. To change a version, edit scripts/catalog/package.json, run
//     `npm install --ignore-scripts` there to update the lock, then `make
//     catalog-refresh`, and commit the lock and piecedata/ together
//     (TestPieceDataLoads checks they agree). Tests and builds need no npm.
//   - activepieces-piece-http.json is transcribed by hand: the HTTP piece is
//     not on npm. Its source block names the files and commits of
//     activepieces/activepieces it comes from (version 0.8.5; the copy read
//     held those files at different commits, so the pairing of that
//     version with those props is not verified).
//   - diga-piece-diga.json is written by hand from Diga's docs
//     (Diga-io/docs en/build/flows/diga-piece.mdx and the pre-, post- and
//     during-call pages, revision 666a42a, 2026-07-22), which give UI
//     labels only: the package name, the trigger, action and input names
//     are our inference, and its version 0.1.0 is invented. Triggers
//     pre_call (timeout, default 30; abort_on_failure, default false),
//     call_finished (no inputs), function_call (function_name,
//     description and parameters required without a default, an empty
//     list for a function without parameters; execution_mode default
//     "synchronous", execution_audio, pre_speech, user_confirmation);
//     actions make_call (from_number, to_number
//     required), return_response (response required), return_call_data.
//     No auth, requireAuth false.
//   - listing.json is the emulator's choice, not any package's: each
//     piece's id, its Diga categories (PieceCategory is Diga's grouping,
//     not Activepieces' categories, which the piece files keep as
//     activepiecesCategories and the API does not show), pieceType and
//     packageType (Diga: CUSTOM, ARCHIVE with invented platform and archive
//     ids; the others OFFICIAL, REGISTRY), created and updated.
//
// The list is ordered by displayName: Diga, Gmail, Google Calendar, Google
// Sheets, HTTP, HubSpot, OpenAI, Slack.
//   - List: a bare array of PieceSummaryResponse, keys in model order,
//     actions and triggers as counts, projectUsage null (a public call has
//     no project). search: case-insensitive substring of name, displayName
//     or description ("" filters nothing). categories (repeat the
//     parameter): PieceCategory values; a piece is kept when it has any of
//     them; each bad value is a 422 enum at ["query","categories",i].
//     suggestion_type (SuggestionType enum) keeps the pieces offering that
//     kind (ACTION_AND_TRIGGER: either) and lists in suggestedActions and
//     suggestedTriggers {name, displayName, description} of their
//     operations of the asked kinds — with a search the piece itself does
//     not match, only the operations matching it, and pieces left with none
//     are dropped; a kind not asked for is null. Without suggestion_type
//     both are null. minimumSupportedRelease and maximumSupportedRelease
//     are the package's, else Activepieces' defaults 0.0.0 and
//     99999.99999.9999.
//   - Detail: PieceDetailResponse, actions and triggers as objects by name
//     of PieceActionDefinition and PieceTriggerDefinition in the package's
//     order, props in Activepieces' shape {displayName, description,
//     required, type} plus defaultValue on the properties that define one —
//     the key is absent otherwise, as Activepieces leaves it out, so a
//     default of {}, [], "", false or 0 can be told from none. Dynamic and
//     dropdown props keep their type (DROPDOWN, DYNAMIC, …); options,
//     refreshers and the like are not kept. The spec types props as a
//     free-form object; the shape is Activepieces' (Diga's pieces are
//     Activepieces packages). Actions carry requireAuth as the package sets
//     it (pieces-framework defaults it to true; the 0.2.0 packages, built on
//     the older @activepieces/framework, have no such field and get the same
//     default) and errorHandlingOptions as published (pieces-framework's
//     {continueOnFailure, retryOnFailure: {defaultValue: false}} when the
//     package has none). Triggers carry requireAuth, type, testStrategy
//     (null when the package has none), sampleData, and
//     handshakeConfiguration and renewConfiguration as published (null
//     when none). auth is the package's: a PieceAuthProperty (OpenAI's
//     CUSTOM_AUTH, nested props in the prop shape), a list of them (Slack:
//     OAUTH2 or a CUSTOM_AUTH bot token), or null (HTTP, Diga, and the 0.2.0
//     packages, whose actions and triggers take an OAUTH2 "authentication"
//     prop instead). An unknown name (exact, case-sensitive) →
//     404 {"status":"error","error_code":"PIECE_NOT_FOUND","message":"Piece <name> not found"}:
//     Diga documents no error for it, so the code is invented; what
//     matters is that it is Diga's envelope, where a path no route matches
//     gets FastAPI's {"detail":"Not Found"}.
//   - Names contain "@" and "/". piece_name is matched like Starlette's
//     {piece_name:path}: the rest of the percent-decoded path. So the
//     escaped form clients send (/v1/workflow/piece/@activepieces%2Fpiece-slack,
//     as url.PathEscape writes it) and the raw form
//     (/v1/workflow/piece/@activepieces/piece-slack) both work. Why:
//     Starlette routes on the decoded path, so a plain {piece_name} would
//     404 both forms for every scoped name; only a :path parameter (which
//     OpenAPI still renders as {piece_name}) makes the documented endpoint
//     usable. Unlike Starlette's path convertor, empty segments are
//     refused, so /piece/<name>/ still redirects (307) to /piece/<name> and
//     /piece/ to /piece. As in FastAPI, any GET below /v1/workflow/piece/
//     goes to the piece route (this only hides a flow whose id is "piece").
//
// # Connections
//
// Connections belong to the key's project, like flows. WorkflowConnectionResponse
// keys in model order: id, external_id, display_name, piece_name, status.
//   - GET /v1/workflow/connections: a bare array, newest first.
//   - POST /v1/workflow/connections (CreateWorkflowConnectionRequest:
//     piece_name, display_name (str) and type (WorkflowConnectionType)
//     required; value an object, optional but not nullable, so null is
//     dict_type) upserts by (piece_name, display_name), compared exactly:
//     "piece-slack" and "@activepieces/piece-slack" are different pieces
//     here. A new connection gets an id (21 alphanumerics, like flow ids)
//     and external_id "<slug of display_name>_<6 random [0-9a-z]>"; an
//     upsert changes type and value, never the ids. Answer 200.
//   - value: absent or {} keeps the stored value (none for a new
//     connection). A non-empty value must fit type, else 400
//     INVALID_CONNECTION_VALUE naming what is missing (the engine's 4xx;
//     the value is never quoted): SECRET_TEXT secret_text (non-empty
//     string), BASIC_AUTH username and password (strings), CUSTOM_AUTH props
//     (object), OAUTH2, PLATFORM_OAUTH2 and CLOUD_OAUTH2 code (non-empty
//     string), NO_AUTH anything. Extra keys are stored. An empty piece_name
//     or display_name is 400 INVALID_CONNECTION.
//   - status: ACTIVE when type is NO_AUTH or the stored value fits type;
//     ERROR otherwise (no value yet, or one left from an earlier type).
//   - The value is never in an answer nor in Requests; 422 answers show
//     "[REDACTED]" where pydantic would echo it (a value that is not an
//     object, the body a missing-field error echoes, a body that is not an
//     object). Connections(apiKey) returns snapshots with the stored value,
//     for tests.
//
// # Testing and executions
//
// Tests run over the draft, never the published version, and are
// deterministic: nothing is executed for real.
//
//   - Step output: a step's (or the trigger's) output is its stored OUTPUT
//     sample data when there is some, else {"step": <name>, "input":
//     <settings.input>}. Its input is settings.input ({} when absent).
//   - Making a step fail, two ways: in the definition, a key "emulator_fail"
//     (FailMarker) in the step's settings.input, whose string value is the
//     error message; or out of band, FailStep(apiKey, flowID, stepName,
//     message) (also for steps not imported yet) until
//     ClearStepFailures(apiKey, flowID).
//   - POST …/test (full flow): an EMPTY trigger gets 400
//     TRIGGER_NOT_CONFIGURED. Otherwise every step runs in tree order (a
//     node, its loop body (firstLoopAction, then children) or router
//     branches in order, then its
//     nextAction; all branches run, there is no condition evaluation),
//     skip:true steps are reported {"type","status":"SKIPPED"}, and the run
//     stops at the first failing step. Each step counts 1 ms. The answer's
//     steps object is keyed by step name, each value Activepieces' step
//     output {type, status (SUCCEEDED|FAILED), input, output, duration, and
//     errorMessage when FAILED}; status is SUCCEEDED or FAILED, success is
//     status == SUCCEEDED. Every full-flow test records a run; it is the only
//     operation that does, and it is not idempotent: sending it twice makes
//     two runs (RunCount tells, out of band).
//   - POST …/steps/{step_name}/test: the trigger's name or an unknown step
//     gets 400 STEP_NOT_FOUND (the trigger is tested by …/trigger/test). A
//     failing step answers 200 with success false, output null and the
//     message as standardError. A passing test stores its output as the
//     step's OUTPUT sample data ("testing a step also stores its sample
//     data"); no run is recorded.
//   - POST …/trigger/test: EMPTY gets 400 TRIGGER_NOT_CONFIGURED; a failing
//     trigger 400 TRIGGER_TEST_FAILED with the message (the response model
//     has no room for an error); else {"events": [<output>]}, stored as the
//     trigger's OUTPUT sample data.
//   - Sample data: per flow, step name and type (INPUT/OUTPUT). GET's type
//     defaults to OUTPUT; other values get 400 INVALID_SAMPLE_DATA, as do a
//     POST's type or dataType outside INPUT/OUTPUT and JSON/STRING (plain
//     strings in the schema, so not 422), and dataType STRING with a
//     non-string payload. payload is required (null allowed); the step must
//     exist in the draft (400 STEP_NOT_FOUND). GET answers {"data": null}
//     when nothing is stored. Saving answers the flow (FlowAllResponse) and
//     bumps updated. An import replaces every step, so it drops all of the
//     flow's sample data (so does deleting the flow); other edits keep it.
//     Sample data is kept beside the tree: it never shows in the flow
//     answers' settings.sampleData, so saving it changes no definition.
//   - Executions: newest first; status is FlowRunStatus (422 otherwise);
//     created_after / created_before are exclusive bounds on created (RFC
//     3339; 422 when unparseable); cursors and page mode as for the flow
//     list (an unknown run id, or one of another flow, as a cursor gives an
//     empty page); limit 1–30, default 10. An unknown flow gets 404. Runs
//     outlive their flow: GET /v1/workflow/executions/{run_id} still
//     answers after the flow is deleted; an unknown run (or another
//     project's) gets 404 RUN_NOT_FOUND. tags is [] and the run's
//     timestamps are the emulator clock at the test, finishTime adding the
//     duration.
//
// # Fault injection
//
// WithFaults(Faults{…}) at construction, or SetFaults at runtime (e.g. only
// around an apply; SetFaults(Faults{}) turns it off), makes the emulator
// misbehave like a real deployment behind a proxy. The zero Faults injects
// nothing. Invalid settings (rates outside 0…1 or NaN, negative durations,
// statuses outside 400…599; see Faults.Validate) make WithFaults and
// SetFaults panic.
//
// Eligible requests: only requests that reached a route (never the router's
// own 404, 405 or 307 answers), and by default only those presenting a valid
// API key (any route, the public piece routes included), so a wrong or
// missing key always gets a clean, immediate 401.
// Faults.FaultUnauthenticated extends injection to every routed request, in
// which case faults happen before authentication.
//
// For each eligible request, in this order:
//  1. Latency: the request is held Latency ± LatencyJitter (uniform, floored
//     at 0) before being processed. Its body is read into memory first,
//     because net/http only notices a departed client once the body has
//     been consumed. The wait ends early when r.Context() is done (client
//     gone, or a server BaseContext canceled): the request is then dropped
//     unprocessed, without an answer (connection closed as for a lost
//     answer), and recorded with Status 499 (StatusClientClosedRequest,
//     nginx's "client closed request") and Fault FaultCanceled. SetFaults
//     also ends every pending wait at once, but those requests proceed as
//     already decided; so SetFaults(Faults{}) before closing a server never
//     leaves it waiting on a long Latency.
//  2. Injected error (share ErrorRate, status uniform among ErrorStatuses,
//     default 429, 502, 503): answered before anything of the request is
//     processed, so nothing is applied (no body validation, no flow lookup,
//     no write). Bodies mimic whoever would really produce the error:
//     429 {"status":"error","error_code":"RATE_LIMITED","message":"Rate limit exceeded, retry after N seconds"}
//     with Retry-After: N (RetryAfter in whole seconds, rounded up; 0 sends
//     "0"); 502 nginx's HTML page (Content-Type text/html); 503
//     {"status":"error","error_code":"SERVICE_UNAVAILABLE","message":"Workflow service unavailable"}.
//     Other statuses are accepted too: 504 nginx's "504 Gateway Time-out"
//     page, 500 Starlette's text/plain "Internal Server Error", anything else
//     Diga's envelope with error_code INJECTED_FAULT and the status text.
//     Only 429 carries Retry-After. Recorded with the injected Status and
//     Fault FaultError.
//  3. Lost answer (share LostAnswerRate of the POST/PATCH/PUT/DELETE
//     requests not given an injected error, so the overall share of writes
//     is (1-ErrorRate)·LostAnswerRate): the request is processed normally,
//     whatever its outcome (a create is applied; a 404 or 422 stays one),
//     the answer is discarded, and the connection is closed without a byte
//     being sent: hijacked and closed on HTTP/1.x; where the writer cannot
//     be hijacked (HTTP/2, httptest.ResponseRecorder, middleware without
//     Unwrap) ServeHTTP panics with http.ErrAbortHandler, which net/http
//     turns into a closed connection or a reset stream. A Go client sees an
//     error such as `Post "…": EOF`; the Go transport does not replay it.
//     Recorded with Status StatusLostAnswer (-1), Fault FaultLost and
//     LostStatus, the status that was computed but never sent.
//
// Determinism: decisions come from a PCG (math/rand/v2) seeded with Seed and
// drawn under the server mutex when a request arrives (after routing, before
// the latency). While Faults is active (a rate, Latency or LatencyJitter
// non-zero) every eligible request draws exactly four numbers (error,
// status, lost answer, jitter) whatever happens to it, and ineligible
// requests draw none; so the fate of the n-th eligible request depends only
// on the seed, n and whether it is a write. Determinism is therefore per
// request sequence: a given seed and a given order of arrival give the same
// faults, but concurrent clients (terraform -parallelism) make the arrival
// order, and so which request gets which fault, vary from run to run.
// SetFaults re-seeds, restarting the sequence.
//
// FaultStats counts, cumulatively across SetFaults calls, the eligible
// requests seen while faults were active (Requests), the injected errors
// (InjectedErrors, split by status in ByStatus) and the lost answers
// (LostAnswers, not in ByStatus).
//
// # Clock
//
// The server has one clock, time.Now unless WithClock or WithClockOffset
// replace it. It stamps created and updated, and every answer (routing
// errors, 401s and injected faults included; not a lost answer, which has
// no bytes at all) carries a Date header in http.TimeFormat read from that
// same clock, set explicitly so that net/http does not substitute the
// host's time. Like a real server's Date it has a resolution of one second
// (truncated), while created/updated keep microseconds. A skewed clock
// (WithClockOffset(-10*time.Minute)) thus shows consistently in both, which
// is what a client judging "created after my request" by the server's own
// clock relies on. CreateFlow (out of band) makes a flow as if in the UI,
// stamped by the same clock.
//
// JSON answers are compact, with Content-Type application/json and no HTML
// escaping, like Starlette's JSONResponse.
package emulator
