package emulator

import (
	"net/http"
	"sort"
	"strings"
)

// The piece catalogue is global, read-only and public (the contract
// declares no security for its two routes).

var (
	pieceCategories = []string{"AI", "COMMUNICATION", "SALES_AND_CRM", "MARKETING", "PRODUCTIVITY", "COMMERCE", "DEVELOPMENT"}
	suggestionTypes = []string{"ACTION", "TRIGGER", "ACTION_AND_TRIGGER"}
)

type piece struct {
	id, name, displayName, description, logoURL, version string
	authors, categories                                  []string
	auth                                                 any // PieceAuthProperty or nil
	actions, triggers                                    []pieceOp
	pieceType, packageType, platformID, archiveID        string
	created, updated                                     string
}

// pieceOp is an action (triggerType "") or a trigger.
type pieceOp struct {
	name, displayName, description string
	props                          []pieceProp
	requireAuth                    bool
	triggerType, testStrategy      string
	sampleData                     any
}

// pieceProp is an Activepieces input property. defaultValue is sent only
// when hasDefault (Activepieces leaves the key out of properties without
// one), so {} and "" are defaults that can be told from none.
type pieceProp struct {
	name, displayName, description, typ string
	required, hasDefault                bool
	defaultValue                        any
}

func (op pieceOp) propsBody() map[string]any {
	m := make(map[string]any, len(op.props))
	for _, p := range op.props {
		body := map[string]any{
			"displayName": p.displayName,
			"description": nullable(p.description),
			"required":    p.required,
			"type":        p.typ,
		}
		if p.hasDefault {
			body["defaultValue"] = p.defaultValue
		}
		m[p.name] = body
	}
	return m
}

func (op pieceOp) matches(needle string) bool {
	return containsFold(op.name, needle) || containsFold(op.displayName, needle) || containsFold(op.description, needle)
}

func (op pieceOp) suggestion() orderedObject {
	return orderedObject{{"name", op.name}, {"displayName", op.displayName}, {"description", op.description}}
}

func (op pieceOp) actionBody() orderedObject {
	return orderedObject{
		{"name", op.name},
		{"displayName", op.displayName},
		{"description", op.description},
		{"requireAuth", op.requireAuth},
		{"props", op.propsBody()},
		{"errorHandlingOptions", map[string]any{
			"continueOnFailure": map[string]any{"defaultValue": false},
			"retryOnFailure":    map[string]any{"defaultValue": false},
		}},
	}
}

func (op pieceOp) triggerBody() orderedObject {
	return orderedObject{
		{"name", op.name},
		{"displayName", op.displayName},
		{"description", op.description},
		{"type", op.triggerType},
		{"testStrategy", op.testStrategy},
		{"props", op.propsBody()},
		{"sampleData", op.sampleData},
		{"handshakeConfiguration", map[string]any{"strategy": "NONE"}},
		{"renewConfiguration", nil},
	}
}

func containsFold(s, needle string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(needle))
}

func (p *piece) matches(needle string) bool {
	return containsFold(p.name, needle) || containsFold(p.displayName, needle) || containsFold(p.description, needle)
}

// body renders PieceSummaryResponse (detail false: actions/triggers are
// counts; suggested* as given) or PieceDetailResponse (detail true: maps of
// definitions by name), fields in model order.
func (p *piece) body(detail bool, suggestedActions, suggestedTriggers any) orderedObject {
	o := orderedObject{
		{"id", p.id},
		{"name", p.name},
		{"displayName", p.displayName},
		{"logoUrl", p.logoURL},
		{"description", p.description},
		{"version", p.version},
		{"authors", p.authors},
		{"categories", p.categories},
		{"auth", p.auth},
	}
	if detail {
		actions := map[string]any{}
		for _, a := range p.actions {
			actions[a.name] = a.actionBody()
		}
		triggers := map[string]any{}
		for _, t := range p.triggers {
			triggers[t.name] = t.triggerBody()
		}
		o = append(o, field{"actions", actions}, field{"triggers", triggers})
	} else {
		o = append(o,
			field{"actions", len(p.actions)},
			field{"triggers", len(p.triggers)},
			field{"suggestedActions", suggestedActions},
			field{"suggestedTriggers", suggestedTriggers},
		)
	}
	return append(o,
		field{"projectUsage", nil},
		field{"pieceType", p.pieceType},
		field{"packageType", p.packageType},
		field{"platformId", nullable(p.platformID)},
		field{"archiveId", nullable(p.archiveID)},
		field{"minimumSupportedRelease", "0.30.0"},
		field{"maximumSupportedRelease", "99999.99999.9999"},
		field{"tags", []string{}},
		field{"created", p.created},
		field{"updated", p.updated},
	)
}

// ---- GET /v1/workflow/piece ------------------------------------------------------

type pieceQuery struct {
	search     string
	suggestion string // "" when absent
	categories map[string]bool
}

// parsePieceQuery validates search, suggestion_type and categories (every
// repeated value, each located at ["query","categories",i]).
func parsePieceQuery(r *http.Request) (pieceQuery, []validationError) {
	var q pieceQuery
	var errs []validationError
	q.search, _ = lastQuery(r, "search")
	if v, ok := lastQuery(r, "suggestion_type"); ok {
		q.suggestion, _ = queryEnum([]any{"query", "suggestion_type"}, v, suggestionTypes, &errs)
	}
	if values := r.URL.Query()["categories"]; len(values) > 0 {
		q.categories = map[string]bool{}
		for i, v := range values {
			if c, ok := queryEnum([]any{"query", "categories", i}, v, pieceCategories, &errs); ok {
				q.categories[c] = true
			}
		}
	}
	return q, errs
}

func (s *Server) handleListPieces(c *call) {
	q, errs := parsePieceQuery(c.r)
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	out := []any{}
	for _, p := range pieceCatalogue {
		if q.categories != nil && !anyCategory(p, q.categories) {
			continue
		}
		pieceMatch := q.search == "" || p.matches(q.search)
		if q.suggestion == "" {
			if pieceMatch {
				out = append(out, p.body(false, nil, nil))
			}
			continue
		}
		// suggestion_type: the piece's operations of the asked kinds
		// (only those matching the search unless the piece itself does);
		// pieces with none are left out.
		pick := func(ops []pieceOp) []any {
			list := []any{}
			for _, op := range ops {
				if pieceMatch || op.matches(q.search) {
					list = append(list, op.suggestion())
				}
			}
			return list
		}
		var actions, triggers any
		n := 0
		if q.suggestion != "TRIGGER" {
			l := pick(p.actions)
			actions, n = l, n+len(l)
		}
		if q.suggestion != "ACTION" {
			l := pick(p.triggers)
			triggers, n = l, n+len(l)
		}
		if n > 0 {
			out = append(out, p.body(false, actions, triggers))
		}
	}
	b, err := marshalJSON(out)
	writeEncoded(c.w, http.StatusOK, b, err)
}

func anyCategory(p *piece, want map[string]bool) bool {
	for _, c := range p.categories {
		if want[c] {
			return true
		}
	}
	return false
}

// ---- GET /v1/workflow/piece/{piece_name} -----------------------------------------

func (s *Server) handleGetPiece(c *call) {
	name := c.params["piece_name"]
	for _, p := range pieceCatalogue {
		if p.name == name {
			b, err := marshalJSON(p.body(true, nil, nil))
			writeEncoded(c.w, http.StatusOK, b, err)
			return
		}
	}
	writeError(c.w, http.StatusNotFound, "PIECE_NOT_FOUND", "Piece "+name+" not found")
}

// ---- the catalogue ---------------------------------------------------------------

func oauth2Auth(authURL, tokenURL string, scope ...string) orderedObject {
	return authProperty("OAUTH2", "Connection", "", authURL, tokenURL, scope)
}

func authProperty(typ, displayName, description, authURL, tokenURL string, scope []string) orderedObject {
	var sc any
	if scope != nil {
		sc = scope
	}
	return orderedObject{
		{"type", typ},
		{"displayName", displayName},
		{"description", nullable(description)},
		{"required", true},
		{"props", nil},
		{"authUrl", nullable(authURL)},
		{"tokenUrl", nullable(tokenURL)},
		{"scope", sc},
		{"username", nil},
		{"password", nil},
	}
}

func prop(name, displayName, typ string, required bool, description string) pieceProp {
	return pieceProp{name: name, displayName: displayName, typ: typ, required: required, description: description}
}

// withDefault gives a property a defaultValue.
func withDefault(p pieceProp, v any) pieceProp {
	p.hasDefault, p.defaultValue = true, v
	return p
}

// pieceCatalogue is sorted by display name (the list's order).
var pieceCatalogue = func() []*piece {
	const created, updated = "2025-03-04T09:12:45.123456Z", "2026-06-17T08:00:00Z"
	official := func(p *piece) *piece {
		p.pieceType, p.packageType = "OFFICIAL", "REGISTRY"
		p.authors = []string{"activepieces"}
		p.created, p.updated = created, updated
		return p
	}
	list := []*piece{
		{
			id: "dG1gAp13ceD1gaC0re001", name: "@diga/piece-diga", displayName: "Diga",
			description: "Triggers on your Diga agents' calls and lets flows start new calls.",
			logoURL:     "https://cdn.diga.io/pieces/diga.svg", version: "0.1.3",
			authors: []string{"diga"}, categories: []string{"COMMUNICATION", "AI"},
			pieceType: "CUSTOM", packageType: "ARCHIVE", platformID: "dIgAPlatf0rm000000001", archiveID: "dIgAArch1ve0000000013",
			created: created, updated: updated,
			triggers: []pieceOp{
				{name: "call_finished", displayName: "Call Finished", description: "Runs after a call of the selected agents ends (post-call flow).",
					triggerType: "WEBHOOK", testStrategy: "TEST_FUNCTION",
					props:      []pieceProp{prop("agent_id", "Agent", "DROPDOWN", false, "Only calls of this agent; all agents when empty.")},
					sampleData: map[string]any{"call_id": "c0ffee00-0000-4000-8000-000000000001", "phone": "+34600000000", "duration": 87, "outcome": "completed", "summary": "The caller booked an appointment."}},
				{name: "function_call", displayName: "Function Call", description: "Runs while a call is in progress when the agent calls this function (during-call flow).",
					triggerType: "WEBHOOK", testStrategy: "SIMULATION",
					props: []pieceProp{
						prop("function_name", "Function name", "SHORT_TEXT", true, "Name the agent uses to call the function."),
						prop("description", "Description", "LONG_TEXT", true, "Tells the agent when to call the function."),
						prop("parameters", "Parameters", "JSON", false, "JSON schema of the arguments."),
					},
					sampleData: map[string]any{"arguments": map[string]any{"phone": "+34600000000"}}},
				{name: "pre_call", displayName: "Pre-Call", description: "Runs before a call starts and can provide dynamic variables (pre-call flow).",
					triggerType: "WEBHOOK", testStrategy: "SIMULATION",
					props:      []pieceProp{prop("agent_id", "Agent", "DROPDOWN", false, "")},
					sampleData: map[string]any{"phone": "+34600000000", "direction": "inbound"}},
			},
			actions: []pieceOp{
				{name: "make_call", displayName: "Make Call", description: "Starts an outbound call with one of your agents (call launcher flow).",
					props: []pieceProp{
						prop("agent_id", "Agent", "DROPDOWN", true, ""),
						prop("phone", "Phone number", "SHORT_TEXT", true, "E.164 number to call."),
						prop("variables", "Dynamic variables", "OBJECT", false, ""),
					}},
			},
		},
		official(&piece{
			id: "gM4iLpi3c3Gma1L00001a", name: "@activepieces/piece-gmail", displayName: "Gmail",
			description: "Email service by Google", logoURL: "https://cdn.activepieces.com/pieces/gmail.png", version: "0.8.2",
			categories: []string{"COMMUNICATION", "PRODUCTIVITY"},
			auth: oauth2Auth("https://accounts.google.com/o/oauth2/auth", "https://oauth2.googleapis.com/token",
				"https://www.googleapis.com/auth/gmail.send", "https://www.googleapis.com/auth/gmail.readonly"),
			actions: []pieceOp{{name: "send_email", displayName: "Send Email", description: "Send an email through a Gmail account", requireAuth: true,
				props: []pieceProp{
					prop("receiver", "Receiver Email (To)", "ARRAY", true, ""),
					prop("subject", "Subject", "SHORT_TEXT", true, ""),
					prop("body", "Body", "LONG_TEXT", true, ""),
				}}},
			triggers: []pieceOp{{name: "gmail_new_email_received", displayName: "New Email", description: "Triggers when a new email is received",
				triggerType: "POLLING", testStrategy: "TEST_FUNCTION",
				props:      []pieceProp{prop("from", "Email sender", "SHORT_TEXT", false, "")},
				sampleData: map[string]any{"subject": "Hello", "from": "someone@example.com"}}},
		}),
		official(&piece{
			id: "hTtPp1ec3Http0000001b", name: "@activepieces/piece-http", displayName: "HTTP",
			description: "Sends HTTP requests and return responses", logoURL: "https://cdn.activepieces.com/pieces/http.png", version: "0.5.2",
			categories: []string{"DEVELOPMENT"},
			actions: []pieceOp{{name: "send_request", displayName: "Send HTTP request", description: "Send HTTP request",
				props: []pieceProp{
					prop("method", "Method", "STATIC_DROPDOWN", true, ""),
					prop("url", "URL", "SHORT_TEXT", true, ""),
					withDefault(prop("headers", "Headers", "OBJECT", true, ""), map[string]any{}),
					withDefault(prop("queryParams", "Query params", "OBJECT", true, ""), map[string]any{}),
					withDefault(prop("body_type", "Body Type", "STATIC_DROPDOWN", false, ""), "none"),
					prop("body", "Body", "DYNAMIC", false, ""),
					withDefault(prop("failsafe", "No Error on Failure", "CHECKBOX", false, ""), false),
					prop("timeout", "Timeout (in seconds)", "NUMBER", false, ""),
				}}},
		}),
		official(&piece{
			id: "hUbSp0tP1ec3Crm00001c", name: "@activepieces/piece-hubspot", displayName: "HubSpot",
			description: "Powerful CRM that offers tools for managing customer relationships", logoURL: "https://cdn.activepieces.com/pieces/hubspot.png", version: "0.5.0",
			categories: []string{"SALES_AND_CRM", "MARKETING"},
			auth:       oauth2Auth("https://app.hubspot.com/oauth/authorize", "https://api.hubapi.com/oauth/v1/token", "crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.deals.write"),
			actions: []pieceOp{
				{name: "create_deal", displayName: "Create Deal", description: "Creates a new deal in HubSpot", requireAuth: true,
					props: []pieceProp{prop("dealname", "Deal Name", "SHORT_TEXT", true, ""), prop("pipeline", "Pipeline", "DROPDOWN", false, ""), prop("contact_id", "Contact", "SHORT_TEXT", false, "")}},
				{name: "create_or_update_contact", displayName: "Create or Update Contact", description: "Creates a contact or updates the one with the same email", requireAuth: true,
					props: []pieceProp{prop("email", "Email", "SHORT_TEXT", true, ""), prop("firstname", "First Name", "SHORT_TEXT", false, ""), prop("phone", "Phone", "SHORT_TEXT", false, "")}},
				{name: "find_contact", displayName: "Find Contact", description: "Finds a contact by a property value", requireAuth: true,
					props: []pieceProp{prop("property", "Property", "DROPDOWN", true, ""), prop("value", "Value", "SHORT_TEXT", true, "")}},
			},
			triggers: []pieceOp{{name: "new_contact", displayName: "New Contact", description: "Triggers when a new contact is created",
				triggerType: "POLLING", testStrategy: "TEST_FUNCTION", sampleData: map[string]any{"id": "51", "properties": map[string]any{"email": "jane@example.com"}}}},
		}),
		official(&piece{
			id: "oPeNa1P1ec3Ai0000001d", name: "@activepieces/piece-openai", displayName: "OpenAI",
			description: "Use the many tools ChatGPT has to offer.", logoURL: "https://cdn.activepieces.com/pieces/openai.png", version: "0.6.1",
			categories: []string{"AI"},
			auth: authProperty("SECRET_TEXT", "API Key", "Use your OpenAI API key (https://platform.openai.com/account/api-keys).",
				"", "", nil),
			actions: []pieceOp{
				{name: "ask_chatgpt", displayName: "Ask ChatGPT", description: "Ask ChatGPT anything you want!", requireAuth: true,
					props: []pieceProp{prop("model", "Model", "DROPDOWN", true, ""), prop("prompt", "Question", "LONG_TEXT", true, ""), withDefault(prop("temperature", "Temperature", "NUMBER", false, ""), 0.9)}},
				{name: "extract_structured_data", displayName: "Extract Structured Data from Text", description: "Returns structured data from provided unstructured text.", requireAuth: true,
					props: []pieceProp{prop("text", "Unstructured Text", "LONG_TEXT", true, ""), prop("params", "Data Definition", "ARRAY", true, "")}},
			},
		}),
		official(&piece{
			id: "sLaCkP1ec3Chat000001e", name: "@activepieces/piece-slack", displayName: "Slack",
			description: "Channel-based messaging platform", logoURL: "https://cdn.activepieces.com/pieces/slack.png", version: "0.9.0",
			categories: []string{"COMMUNICATION"},
			auth:       oauth2Auth("https://slack.com/oauth/v2/authorize", "https://slack.com/api/oauth.v2.access", "channels:read", "chat:write", "users:read"),
			actions: []pieceOp{
				{name: "send_channel_message", displayName: "Send Message To A Channel", description: "Send message to a channel", requireAuth: true,
					props: []pieceProp{prop("channel", "Channel", "DROPDOWN", true, ""), prop("text", "Message", "LONG_TEXT", true, ""), prop("username", "Username", "SHORT_TEXT", false, "")}},
				{name: "send_direct_message", displayName: "Send Message To A User", description: "Send message to a user", requireAuth: true,
					props: []pieceProp{prop("userId", "User", "DROPDOWN", true, ""), prop("text", "Message", "LONG_TEXT", true, "")}},
			},
			triggers: []pieceOp{{name: "new_message", displayName: "New Public Message Posted Anywhere", description: "Triggers when a new message is posted to any channel",
				triggerType: "APP_WEBHOOK", testStrategy: "TEST_FUNCTION", sampleData: map[string]any{"text": "Hello", "channel": "C0123"}}},
		}),
	}
	sort.SliceStable(list, func(i, j int) bool {
		return strings.ToLower(list[i].displayName) < strings.ToLower(list[j].displayName)
	})
	return list
}()
