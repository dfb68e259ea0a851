// Package client is a typed Go client for the Diga workflow API
// (https://docs.diga.io/api-reference). It owns request building, bearer
// authentication, JSON decoding of flows, the typed APIError and the
// reliability layer (retries, per-attempt timeouts, a client-wide rate
// limit, duplicate-safe creates); it knows nothing about Terraform. Logging
// goes through the injected Logger, which never sees the API key or any
// header.
//
// # Retries
//
// Every call goes through one loop (Client.do → send; CreateFlow runs its
// own loop from the same pieces). Each attempt builds a fresh request,
// first takes a token from the rate limiter (Config.MaxRequestsPerSecond),
// and runs under a child of the caller's context with
// Config.RequestTimeout, so the caller's deadline (Terraform's) still
// bounds the whole call. A failed attempt is repeated, as the table below
// says, for as long as the call's time budget lasts: the caller's context
// deadline (the resource's timeouts), or DefaultCallBudget (10 minutes)
// from the start of the call when the context has none. Config.MaxRetries
// is an optional cap on the count on top of that (nil: no cap; 0: no
// retries). A retry is made only when its wait ends before the deadline;
// otherwise the call returns the last real failure at once instead of
// sleeping into the deadline and returning "context deadline exceeded".
// When the deadline cuts short an attempt that followed a real failure,
// that failure is returned too. So a bad hour of 429s costs time, not a
// failed apply, while the timeouts still say when to give up:
//
//	answer / failure                                   retried  may have been applied ("ambiguous")
//	429 Too Many Requests                              yes      no: refused before processing
//	503 Service Unavailable                            yes      no: see below
//	502 Bad Gateway, 504 Gateway Timeout               yes      yes: a proxy lost the upstream answer
//	connection refused                                 10s      no: no connection, nothing sent (see below)
//	other dial errors                                  yes      no: no connection, nothing sent
//	DNS failure (temporary)                            yes      no: nothing sent
//	DNS "no such host"                                 no       -  (a misspelt host does not heal)
//	TLS certificate / handshake record errors          no       -
//	connection reset, broken pipe, EOF, closed conn    yes      yes: the request may have been written
//	per-attempt timeout (RequestTimeout)               yes      yes: the server may still be working
//	answer whose body broke off                        yes      yes: the server answered, so it acted
//	500 and any other 5xx                              no       yes (create checks, see below)
//	other transport errors (e.g. malformed answer)     no       yes (create checks, see below)
//	400, 401, 403, 404, 409, 422, any other 4xx        no       no: the server refused it
//	redirect to another origin (*RedirectError)        no       no: answered with a redirect
//	plain http to a host not loopback only             no       no: refused before connecting (*NotLoopbackError)
//	caller's context cancelled or past its deadline    no       -  (returned at once, errors.Is works)
//
// A refused connection means nothing listens at the base URL's host and
// port: a wrong port, or a server (the local emulator) that is not
// running. It is retried only while the refusals have lasted less than
// RefusedConnectionBudget (10s, enough for a restart), then the call fails
// with a *ConnectionRefusedError that names the base URL, rather than
// retrying silently for the whole budget.
//
// "Ambiguous" needs the request to have been written: an attempt that fails
// before the transport wrote it to a connection (it timed out or was
// cancelled while connecting or waiting for a connection, the dial failed)
// is never ambiguous, whatever the error; it is still retried when the
// table says so. The client learns this from net/http/httptrace
// (WroteRequest). A Config.HTTPClient whose Transport is not an
// *http.Transport cannot be traced, and its failures count as sent.
//
// 503 counts as not applied because it is the status of a server that
// declines to process the request at all (RFC 9110 §15.6.4): Diga returns
// it when its workflow service is unavailable, i.e. when the engine that
// would create the flow was not reached, and load balancers return it when
// no backend is available. 429 likewise comes from a limiter in front of
// the work. 502 and 504, in contrast, mean a proxy did forward the request
// and then lost or stopped waiting for the upstream's answer.
//
// Waits: a Retry-After header (delay-seconds or an HTTP-date) is honoured,
// capped at 30s (asking for more waits 30s); otherwise the n-th retry waits
// a uniformly random duration in [RetryWaitMin, min(RetryWaitMax,
// RetryWaitMin·2^n)] (exponential backoff with full jitter above a floor;
// defaults 250ms and 10s). Every wait, including the wait for a
// rate-limit token, ends at once with the context's error when the
// caller's context ends. Each retry is logged at Warn with method, path,
// attempt, the status or error class, and wait_ms. When the budget or the
// cap runs out the error says so, e.g. "POST /v1/workflow/: gave up after 5
// attempts: last answer 503 Service Unavailable: down"; an HTTP answer
// stays an *APIError (Attempts records the count), so IsNotFound and
// IsUnauthorized keep working.
//
// Writes other than create are idempotent in effect and are retried like
// reads: rename, status, publish, draft (use as draft) and import set the
// flow to a state given entirely by the request, so applying one twice
// leaves the same state as applying it once; a repeated DELETE whose first
// attempt did delete the flow answers 404, which callers already treat as
// "gone" (IsNotFound).
//
// # Which 404 means "gone"
//
// IsNotFound is true only for a 404 whose body is Diga's error envelope (a
// non-empty error_code, at the top level or inside an object "detail"):
// Diga's answer about that flow. Every other 404 is not evidence that
// anything was deleted. FastAPI's route-level {"detail":"Not Found"}, a
// gateway's HTML or text page, {"message":"…"} without an error_code and
// an empty body mean that nothing answers at the URL, usually a base URL
// with a wrong path: IsRouteNotFound is true and the error text shows the
// full URL, base path included, and says to check base_url. (Treating
// those as "gone" made a refresh drop every flow from state and the next
// apply create duplicates, and made a destroy report success having
// deleted nothing.) A 404 with some other detail text, e.g. {"detail":
// "Template not found"}, is neither: an error shown as it is. The price of
// this rule is that a real Diga that answered a missing flow without its
// envelope would be reported as an error instead of as gone, which fails
// safe (nothing is dropped from state, nothing recreated).
//
// # Why not go-retryablehttp
//
// github.com/hashicorp/go-retryablehttp is in the module graph and its
// CheckRetry/Backoff hooks could express the table above, but the loop is
// hand-written because: the create below has to stop between attempts, list
// flows (through the same retry budget) and possibly return an adopted flow
// instead of re-sending, which retryablehttp's hooks cannot do (PrepareRetry
// can only alter the request); its single request context gives no
// per-attempt timeout without replacing the transport; its waits cannot be
// observed or skipped in tests; its DefaultBackoff honours Retry-After only
// on 429/503 and without a cap; it logs "retrying request" and "request
// failed" in its own words and fields (and at Error); and after a failure
// it closes the idle connections of the shared http.Client that every
// concurrently running resource uses. The loop here is about as long as
// the adapter code would be.
//
// # Non-idempotent create
//
// POST /v1/workflow/ creates a new flow each time it reaches the server.
// Failures classed "not applied" above are re-sent as they are. After an
// ambiguous failure CreateFlow waits the usual backoff, then checks: it
// lists flows (GET /v1/workflow/?limit=30&order=desc, following pages
// until a page holds a flow created and updated before the cutoff below)
// and looks at those named exactly like the one being created that this
// Client has not already returned or named. Each such flow is one of:
//
//   - adoptable: created no earlier than the ambiguous attempt, judged on
//     the server's clock, AND still exactly as a create leaves it: trigger
//     EMPTY (or absent/null) with no steps, status DISABLED (or
//     absent/null), updated within 1s of created. The oldest adoptable
//     flow is adopted (CreateResult.Adopted, logged at Warn "adopted flow
//     created by an earlier attempt"); any other adoptable ones are named
//     as possible leftovers (below).
//   - possible leftover: created since the attempt but changed (someone
//     enabled, edited or published it), or of unknown age. Never adopted;
//     it may be this call's, so it is named in a CreateWarning with
//     MayBeFromThisCall (or in AmbiguousCreateError.CandidateIDs) and
//     claimed, so no other call of the Client adopts it.
//   - existing: created before the attempt (e.g. made in the UI seconds
//     earlier, or by another run). Never adopted and never changed; named
//     in a CreateWarning ("Other flows named … exist"; ExistingIDs in an
//     error) and not claimed, since it may be another concurrent call's.
//
// Server time. The attempt's start is taken on the client's clock and
// mapped onto the server's with the Date header of each listing answer:
// Date D (whole seconds, truncated) was stamped before the client received
// the answer at local time recv, so the server's clock is at least
// D - recv ahead and the attempt began no earlier than start + (D - recv)
// server time; the largest such bound over the pages is the cutoff. So
// skew between the clocks does not matter, and this call's own flow can
// never look older than its attempt. The price of taking the lower bound:
// an untouched, empty same-named flow made at most about one second plus
// one listing round trip before the attempt cannot be told from this
// call's own and may be adopted; as it is empty and disabled, nothing of
// it is overwritten that a user made. Without a usable Date header nothing
// is adopted: every same-named unclaimed flow listed (back to an hour
// before the attempt on the client's clock) is named as a possible
// leftover and the create is sent again.
//
// When a check adopts, the call ends with that flow. Otherwise the create
// is re-sent; when the last attempt fails for good (even with MaxRetries
// 0), one more check runs; a flow adopted then is returned, else the call
// fails with an *AmbiguousCreateError naming every possible leftover, or
// with the plain failure when there is none. After a re-sent create
// succeeds, one more check looks for a flow the earlier attempt left
// (created late by a slow server): the created flow is kept, and what the
// check finds becomes warnings (the "possible leftover" warning tells the
// user to delete those flows or import them; if the check cannot list,
// a warning says so). With several ambiguous attempts and no success, the
// choice is to adopt one untouched candidate and name the others rather
// than fail naming them all: they are indistinguishable empty drafts, so
// adopting any is as good as adopting "the right one", and an apply that
// succeeds with a warning is better than one that fails with the same
// list of ids.
//
// Check listings have their own retries (Config.MaxRetries per check,
// unbounded by default) within the call's deadline; create attempts stop a
// reserve earlier (a fifth of the budget, at most a minute), each attempt
// cut short at that point if need be, so the final check can still run.
// A listing that cannot be completed gives an *AmbiguousCreateError that
// says nothing could be listed and a flow may exist.
//
// Guarantee: a create ends with exactly one flow returned (plus warnings),
// or an error; every flow that may have been created by the call is the
// one returned, or named in a warning or in the *AmbiguousCreateError (any
// other error means no attempt may have created a flow). Exceptions: a
// listing that fails, and a server that completes an abandoned create only
// after the call's last listing.
//
// Every flow id CreateFlow returns or names as a possible leftover is
// recorded in the Client, and a check for a name waits for in-flight
// creates with that name to finish (and holds new ones back) before it
// lists, so two concurrent CreateFlow calls with the same name never
// return the same flow, and a check never mistakes another call's
// answered flow for its own. Lost answers of concurrent calls with one
// name are still indistinguishable: one call may adopt the flow another
// call's attempt created, which then names its own leftovers; all of them
// are reported, none is adopted twice.
//
// What else would be possible, and why it is not done: an idempotency key
// (Diga's create documents none), or creating under a unique temporary
// name and renaming once the answer arrives, which makes every flow
// recognisable by its own name; but that costs an extra request (the
// rename) for every create, faults or not, and leaves a flow with a
// strange name when the rename fails. Reporting every candidate costs
// nothing until an answer is lost.
//
// # Agent version launches
//
// POST /v1/agent/{agent_id}/version launches a new numbered version each
// time it reaches the server, and Diga documents no idempotency key.
// LaunchAgentVersion therefore handles an ambiguous failure the way
// CreateFlow does, with the version name as the mark: after the usual
// wait it lists the agent's versions and returns the newest one named
// like the launch; only when there is none is the launch sent again (and
// after the last failed attempt it looks once more, failing with an
// *AmbiguousLaunchError when it finds nothing). Callers pass a version
// name unique to the release. PublishAgentVersion and SetAgentFlows set
// the server to a state given entirely by the request and are retried
// like reads. An agent's not-found answer is Diga's envelope
// (AGENT_NOT_FOUND), so IsNotFound applies as it does to flows.
//
// # Tests: sent at most once, long attempts
//
// TestFlow, TestStep and TestTrigger really run the flow's steps (a full
// test also records a run), and Diga offers nothing to find out whether a
// lost request started one, so unlike CreateFlow they cannot check and
// adopt. They are therefore retried only after failures that prove nothing
// ran (429, 503, refused or failed connections, nothing written); after an
// ambiguous one (lost or broken answer, attempt timeout, 502, 504, other
// 5xx) they stop and return *AmbiguousTestError, which tells the user to
// look at the flow's executions before testing again. Their attempts get
// StepTestTimeout (150 s) and FlowTestTimeout (180 s), or RequestTimeout
// when longer, because Diga answers only after the run (~90 s / ~120 s);
// the caller's deadline still bounds them. SaveSampleData (storing the same
// data twice is harmless) and the reads retry like everything else.
//
// # Redirects
//
// A redirect is followed only within the origin of the request (same
// scheme, host and port, compared case-insensitively with default ports made
// explicit), up to 10 in a row, as net/http does; that covers FastAPI's
// trailing-slash 307, after which the same method, headers and body are
// sent again to the same server. Any other redirect (https to http, another
// port, another host name even for the same address) ends the attempt with
// a *RedirectError naming the Location, before the redirected request is
// built: neither the Authorization header nor the body is sent there. It is
// not retried (the same answer would come back) and is not ambiguous for a
// create (the server answered without creating). The policy is set on a
// copy of the http.Client (Config.HTTPClient's or a plain one), so a
// supplied client is left unchanged and gets the same policy; its own
// CheckRedirect, if any, runs after the origin check.
//
// # Rate limit
//
// Config.MaxRequestsPerSecond is a golang.org/x/time/rate limiter (burst 1) shared by every
// call on the same *Client, so it bounds a whole provider instance whatever
// Terraform's -parallelism. Every HTTP request takes a token: retries and
// listing pages included.
//
// # Listings and batched reads
//
// Every listing (flows, runs, templates) reads its first page, and when
// that answer declares total_pages fetches the other pages by number side
// by side (maxPagesInFlight at once, each through the limiter and the retry
// loop), otherwise follows the cursor (pages_side.go). ReadFlow, with
// Config.BatchReads, answers a run's flow reads from a listing of the
// project once single GETs have cost as much as that listing would, with
// the ski-rental bound, the consistency rules and the fallbacks stated in
// flowreads.go.
package client
