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
//	connection refused, other dial errors              yes      no: no connection, nothing sent
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
//	caller's context cancelled or past its deadline    no       -  (returned at once, errors.Is works)
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
// ambiguous failure CreateFlow waits the usual backoff, then lists flows
// (GET /v1/workflow/?limit=30&order=desc, following pages while the flows
// are newer than the cutoff) for flows named exactly like the one being
// created, created at or after the ambiguous attempt's start minus 5
// minutes (clock-skew tolerance), that this Client has not already
// returned or named. Exactly one → it is adopted (logged at Warn "adopted
// flow created by an earlier attempt") and returned. None → the create is
// re-sent. More than one → *AmbiguousCreateError naming them all. The
// listing is retried from the same retry budget as the create; if it
// cannot be completed the result is an *AmbiguousCreateError saying that
// nothing could be listed. The same check runs when the last attempt fails
// for good after an earlier ambiguous one (even with MaxRetries 0), and
// once more after a re-sent create succeeds, to catch a flow from the
// earlier attempt that the server finished late (if that last check cannot
// list, the created flow is returned and a Warn is logged).
//
// Guarantee: a create ends with exactly one flow returned, or an error
// naming every flow that may have been created (an *AmbiguousCreateError;
// any other error means no attempt may have created a flow).
//
// Every flow id CreateFlow returns or names is recorded in the Client, and
// a check for a name waits for in-flight creates with that name to finish
// (and holds new ones back) before it lists, so two concurrent CreateFlow
// calls with the same name never adopt or return the same flow, and a
// check never mistakes another call's fresh flow for its own.
//
// Limits of the guarantee: the check identifies flows by name and time, so
// a flow with the same name created in the same few minutes by something
// other than this Client (the dashboard, another Terraform run) can be
// adopted or named as a candidate; and a server that completes an
// abandoned create only after the client's final listing produces a flow
// the client cannot see. Both need an ambiguous failure to happen first.
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
// Config.MaxRequestsPerSecond is a token bucket (burst 1) shared by every
// call on the same *Client, so it bounds a whole provider instance whatever
// Terraform's -parallelism. Every HTTP request takes a token: retries and
// listing pages included.
package client
