package emulator

import (
	"bytes"
	"crypto/sha1"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// TemplateSeed describes a flow template for AddTemplate. Empty strings
// mean "not set": see each field.
type TemplateSeed struct {
	// ID is the template's UUID (any form pydantic accepts; stored
	// lowercase hyphenated). "": a UUID derived from the catalogue position
	// and Name, so the same additions in the same order give the same ids.
	ID       string
	Name     string
	Language string // "": "es"
	// Description and SetupGuideURL: "" answers null.
	Description   string
	SetupGuideURL string
	// FlowCategory: "": derived from Trigger by the rule flows use.
	FlowCategory string
	// Trigger is the template's trigger tree (the "trigger" of the answer's
	// "template" object), with <<variable>> placeholders and
	// {{connections['<key>']}} references in its strings. It must be
	// JSON-encodable; nil is an EMPTY trigger. It is stored as given: its
	// validity is only checked by a copy (400 INVALID_TEMPLATE).
	Trigger map[string]any
	// Connections the template needs (nil answers null).
	Connections []TemplateConnection
}

// TemplateConnection is TemplateConnectionInfo: a connection a template
// needs, referenced from its steps as {{connections['<Key>']}}.
type TemplateConnection struct {
	Key         string
	Name        string // the display name of the connection a copy creates
	Description string // "" answers null
	PieceName   string
	AuthType    string // a WorkflowConnectionType, e.g. SECRET_TEXT
}

type template struct {
	id            string
	seq           int64
	name          string
	language      string
	description   string
	setupGuideURL string
	category      string
	trigger       map[string]any // decoded JSON, numbers as json.Number
	connections   []TemplateConnection
	variables     []string // placeholder names, sorted, unique
}

// templateSchemaVersion is the schemaVersion of every template's flow JSON.
const templateSchemaVersion = "1"

// editURLPrefix + flow id is CopyTemplateResponse.edit_url.
const editURLPrefix = "https://app.diga.io/flows/"

// AddTemplate adds a template to the global catalogue and returns its id.
// It panics on an invalid or duplicate ID or an unencodable Trigger (test
// helpers' misuse). Added templates come after the built-in ones in
// creation order (so first in the default, newest-first listing).
func (s *Server) AddTemplate(t TemplateSeed) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := s.catalogLocked().addTemplate(t)
	if err != nil {
		panic("emulator: AddTemplate: " + err.Error())
	}
	return id
}

func (cat *catalogState) addTemplate(t TemplateSeed) (string, error) {
	cat.templateSeq++
	seq := cat.templateSeq
	id := derivedUUID(fmt.Sprintf("diga-emulator-template\x00%d\x00%s", seq, t.Name))
	if t.ID != "" {
		canon, msg := parseUUID(t.ID)
		if msg != "" {
			return "", fmt.Errorf("ID %q is not a UUID: %s", t.ID, msg)
		}
		id = canon
	}
	if _, dup := cat.templates[id]; dup {
		return "", fmt.Errorf("duplicate template ID %s", id)
	}
	var tree map[string]any
	if t.Trigger == nil {
		tree = defaultTrigger()
	} else {
		var err error
		if tree, err = decodeTree(t.Trigger); err != nil {
			return "", err
		}
	}
	lang := t.Language
	if lang == "" {
		lang = "es"
	}
	category := t.FlowCategory
	if category == "" {
		category = flowCategory(tree)
	}
	cat.templates[id] = &template{
		id:            id,
		seq:           seq,
		name:          t.Name,
		language:      lang,
		description:   t.Description,
		setupGuideURL: t.SetupGuideURL,
		category:      category,
		trigger:       tree,
		connections:   append([]TemplateConnection(nil), t.Connections...),
		variables:     placeholders(tree),
	}
	return id, nil
}

// decodeTree JSON round-trips a Go tree into decoded-JSON form.
func decodeTree(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("trigger is not JSON-encodable: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil || out == nil {
		return nil, errors.New("trigger is not a JSON object")
	}
	return out, nil
}

// derivedUUID is a name-based (version 5 layout, SHA-1) UUID of name.
func derivedUUID(name string) string {
	sum := sha1.Sum([]byte(name))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// ---- placeholders --------------------------------------------------------------

// placeholderPattern is a <<variable>> placeholder: letters, digits, '_',
// '.' and '-' between the angle brackets, no spaces.
var placeholderPattern = regexp.MustCompile(`<<([A-Za-z0-9_.-]+)>>`)

// connectionRefPattern is a connections['<key>'] (or connections["<key>"])
// reference inside a {{ }} expression.
var connectionRefPattern = regexp.MustCompile(`connections\[\s*(?:'([^']*)'|"([^"]*)")\s*\]`)

// placeholders lists the <<variable>> names in the string values (not the
// keys) of a tree, sorted and without duplicates.
func placeholders(tree any) []string {
	seen := map[string]bool{}
	mapStrings(tree, func(s string) string {
		for _, m := range placeholderPattern.FindAllStringSubmatch(s, -1) {
			seen[m[1]] = true
		}
		return s
	})
	return slices.Sorted(maps.Keys(seen))
}

// mapStrings returns a deep copy of a decoded JSON value with every string
// value (object keys excluded) replaced by fn(value).
func mapStrings(v any, fn func(string) string) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = mapStrings(x, fn)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, x := range t {
			l[i] = mapStrings(x, fn)
		}
		return l
	case string:
		return fn(t)
	default:
		return v
	}
}

// variableText renders a variable's value as text: strings as they are,
// numbers as the JSON literal sent, booleans as true/false. ok is false for
// anything else (objects, arrays); null never gets here (it counts as
// missing).
func variableText(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return string(t), true
	case bool:
		return strconv.FormatBool(t), true
	}
	return "", false
}

// ---- answers -----------------------------------------------------------------

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// templateBody renders FlowTemplateResponse, fields in model order. The
// "template" object is free-form: its keys come out sorted.
func templateBody(t *template) orderedObject {
	var conns any
	if t.connections != nil {
		list := make([]any, len(t.connections))
		for i, c := range t.connections {
			list[i] = orderedObject{
				{"key", c.Key},
				{"name", c.Name},
				{"description", nullable(c.Description)},
				{"piece_name", c.PieceName},
				{"auth_type", c.AuthType},
			}
		}
		conns = list
	}
	return orderedObject{
		{"id", t.id},
		{"name", t.name},
		{"language", t.language},
		{"description", nullable(t.description)},
		{"flow_category", nullable(t.category)},
		{"setup_guide_url", nullable(t.setupGuideURL)},
		{"template", map[string]any{
			"displayName":   t.name,
			"schemaVersion": templateSchemaVersion,
			"trigger":       t.trigger,
		}},
		{"connections", conns},
		{"variables", append([]string{}, t.variables...)},
	}
}

// ---- GET /v1/workflow/template -------------------------------------------------

type templateQuery struct {
	after, before *string // canonical UUIDs
	page          *big.Int
	limit         int
	asc           bool
	category      *string
	language      string
}

// parseTemplateQuery validates the list query in declaration order (after,
// before, page, limit, order, flow_category, language), collecting every
// error.
func parseTemplateQuery(r *http.Request) (templateQuery, []validationError) {
	q := templateQuery{limit: 20, language: "es"}
	var errs []validationError
	loc := func(name string) []any { return []any{"query", name} }
	one, limitMin, limitMax := int64(1), int64(1), int64(100)
	if v, ok := lastQuery(r, "after"); ok {
		if id, ok := uuidParam(loc("after"), v, &errs); ok {
			q.after = &id
		}
	}
	if v, ok := lastQuery(r, "before"); ok {
		if id, ok := uuidParam(loc("before"), v, &errs); ok {
			q.before = &id
		}
	}
	if v, ok := lastQuery(r, "page"); ok {
		if n, ok := queryInt(loc("page"), v, &one, nil, &errs); ok {
			q.page = n
		}
	}
	if v, ok := lastQuery(r, "limit"); ok {
		if n, ok := queryInt(loc("limit"), v, &limitMin, &limitMax, &errs); ok {
			q.limit = int(n.Int64())
		}
	}
	if v, ok := lastQuery(r, "order"); ok {
		if queryLiteral(loc("order"), v, []string{"asc", "desc"}, &errs) {
			q.asc = v == "asc"
		}
	}
	if v, ok := lastQuery(r, "flow_category"); ok {
		if c, ok := queryEnum(loc("flow_category"), v, flowCategories, &errs); ok {
			q.category = &c
		}
	}
	if v, ok := lastQuery(r, "language"); ok {
		q.language = v
	}
	return q, errs
}

// handleListTemplates answers PaginatedResponse[FlowTemplateResponse]; the
// cursor and page rules are those of the flow list, in the requested order.
func (s *Server) handleListTemplates(c *call) {
	q, errs := parseTemplateQuery(c.r)
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	s.mu.Lock()
	b, err := marshalJSON(s.catalogLocked().listTemplates(q))
	s.mu.Unlock()
	writeEncoded(c.w, http.StatusOK, b, err)
}

func (cat *catalogState) listTemplates(q templateQuery) orderedObject {
	var all []*template
	for _, t := range cat.templates {
		if t.language == q.language && (q.category == nil || t.category == *q.category) {
			all = append(all, t)
		}
	}
	// before(a, b): a comes before b in the requested order.
	before := func(a, b int64) bool {
		if q.asc {
			return a < b
		}
		return a > b
	}
	sort.Slice(all, func(i, j int) bool { return before(all[i].seq, all[j].seq) })

	var lp listPage[*template]
	switch {
	case q.after != nil:
		if cursor, known := cat.templates[*q.after]; known {
			lp = pageAfter(all, q.limit, func(t *template) bool { return before(cursor.seq, t.seq) })
		}
	case q.before != nil:
		if cursor, known := cat.templates[*q.before]; known {
			lp = pageBefore(all, q.limit, func(t *template) bool { return !before(t.seq, cursor.seq) })
		}
	default:
		lp = pageNumber(all, q.limit, q.page)
	}
	return lp.envelope(func(t *template) string { return t.id }, func(t *template) any { return templateBody(t) })
}

// ---- GET /v1/workflow/template/{template_id} -------------------------------------

func templateNotFound(w http.ResponseWriter, raw string) {
	writeError(w, http.StatusNotFound, "TEMPLATE_NOT_FOUND", "Template "+raw+" not found")
}

func (s *Server) handleGetTemplate(c *call) {
	var errs []validationError
	raw := c.params["template_id"]
	id, ok := uuidParam([]any{"path", "template_id"}, raw, &errs)
	if !ok {
		write422(c.w, errs)
		return
	}
	s.mu.Lock()
	t := s.catalogLocked().templates[id]
	var (
		b   []byte
		err error
	)
	if t != nil {
		b, err = marshalJSON(templateBody(t))
	}
	s.mu.Unlock()
	if t == nil {
		templateNotFound(c.w, raw)
		return
	}
	writeEncoded(c.w, http.StatusOK, b, err)
}

// ---- POST /v1/workflow/template/{template_id}/copy -------------------------------

type copyRequest struct {
	flowName    string
	variables   map[string]any
	connections []copyCredential
}

type copyCredential struct{ key, value string }

// parseCopyRequest validates Optional[CopyTemplateRequest]; obj is nil for
// an absent or null body. Secret values never appear in the errors.
func parseCopyRequest(obj map[string]any, errs *[]validationError) copyRequest {
	var req copyRequest
	if obj == nil {
		return req
	}
	loc := []any{"body"}
	f := fields{obj: obj, loc: loc, errs: errs}
	if v, ok := obj["flow_name"]; ok && v != nil {
		req.flowName, _ = f.checkStr("flow_name", v, 0)
	}
	if v, ok := obj["variables"]; ok && v != nil {
		if m, isMap := v.(map[string]any); isMap {
			req.variables = m
		} else {
			f.add(dictTypeError(appendLoc(loc, "variables"), v))
		}
	}
	v, ok := obj["connections"]
	if !ok || v == nil {
		return req
	}
	list, isList := v.([]any)
	if !isList {
		f.add(listTypeError(appendLoc(loc, "connections"), redacted))
		return req
	}
	for i, item := range list {
		itemLoc := appendLoc(loc, "connections", i)
		m, isMap := item.(map[string]any)
		if !isMap {
			f.add(modelAttributesTypeError(itemLoc, redacted))
			continue
		}
		safe := redactKey(m, "value")
		var cred copyCredential
		good := true
		if k, has := m["key"]; !has {
			f.add(missingError(appendLoc(itemLoc, "key"), safe))
			good = false
		} else if ks, isStr := k.(string); isStr {
			cred.key = ks
		} else {
			f.add(validationError{Type: "string_type", Loc: appendLoc(itemLoc, "key"), Msg: "Input should be a valid string", Input: k})
			good = false
		}
		if val, has := m["value"]; !has {
			f.add(missingError(appendLoc(itemLoc, "value"), safe))
			good = false
		} else if vs, isStr := val.(string); isStr {
			cred.value = vs
		} else {
			f.add(validationError{Type: "string_type", Loc: appendLoc(itemLoc, "value"), Msg: "Input should be a valid string", Input: redacted})
			good = false
		}
		if good {
			req.connections = append(req.connections, cred)
		}
	}
	return req
}

func (s *Server) handleCopyTemplate(c *call) {
	raw := c.params["template_id"]
	var errs []validationError
	id, _ := uuidParam([]any{"path", "template_id"}, raw, &errs)
	obj, bodyErrs, ok := decodeSecretBody(c, true)
	if !ok {
		return
	}
	errs = append(errs, bodyErrs...)
	req := parseCopyRequest(obj, &errs)
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	s.mu.Lock()
	res, fail := s.copyTemplateLocked(c.key, id, raw, req)
	var (
		b   []byte
		err error
	)
	if fail == nil {
		b, err = marshalJSON(res)
	}
	s.mu.Unlock()
	if fail != nil {
		writeError(c.w, fail.status, fail.code, fail.message)
		return
	}
	writeEncoded(c.w, http.StatusOK, b, err)
}

func invalidTemplate(message string) *apiFailure {
	return badRequest("INVALID_TEMPLATE", message)
}

// copyTemplateLocked checks everything before changing anything, so a
// refused copy creates neither a flow nor a connection.
func (s *Server) copyTemplateLocked(key, id, raw string, req copyRequest) (orderedObject, *apiFailure) {
	cat := s.catalogLocked()
	t := cat.templates[id]
	if t == nil {
		return nil, &apiFailure{status: http.StatusNotFound, code: "TEMPLATE_NOT_FOUND", message: "Template " + raw + " not found"}
	}
	var missing []string
	values := map[string]string{}
	for _, name := range t.variables {
		v, given := req.variables[name]
		if !given || v == nil {
			missing = append(missing, name)
			continue
		}
		text, ok := variableText(v)
		if !ok {
			return nil, invalidTemplate("Template variable " + name + " must be a string, number or boolean")
		}
		values[name] = text
	}
	if len(missing) > 0 {
		return nil, invalidTemplate("Missing template variables: " + strings.Join(missing, ", "))
	}
	tree, _ := mapStrings(t.trigger, func(s string) string {
		return placeholderPattern.ReplaceAllStringFunc(s, func(m string) string {
			return values[m[2:len(m)-2]]
		})
	}).(map[string]any)
	if _, treeErrs := importTrigger(tree, []any{"template", "trigger"}); len(treeErrs) > 0 {
		e := treeErrs[0]
		return nil, invalidTemplate(fmt.Sprintf("Template %s is invalid: %s at %s", t.id, e.Msg, locText(e.Loc)))
	}

	// Connections: the last value given for a key wins; keys the template
	// does not declare are ignored.
	given := map[string]string{}
	for _, cred := range req.connections {
		given[cred.key] = cred.value
	}
	external := map[string]string{}
	for _, tc := range t.connections {
		value, ok := given[tc.Key]
		if !ok {
			continue
		}
		conn := s.upsertConnectionLocked(key, tc.PieceName, tc.Name, tc.AuthType, credentialValue(tc.AuthType, value))
		external[tc.Key] = conn.externalID
	}
	if len(external) > 0 {
		tree, _ = mapStrings(tree, func(s string) string {
			return connectionRefPattern.ReplaceAllStringFunc(s, func(m string) string {
				sub := connectionRefPattern.FindStringSubmatch(m)
				k := sub[1] + sub[2]
				if ext, ok := external[k]; ok {
					return "connections['" + ext + "']"
				}
				return m
			})
		}).(map[string]any)
	}
	stored, _ := importTrigger(tree, nil)
	if s.importMode == ImportEngine {
		// Created as by the UI: the engine's validity, nothing reshaped.
		stored = s.normalizeTreeLocked(nil, tree)
	}

	name := req.flowName
	if name == "" {
		name = t.name
	}
	f := s.createFlowLocked(key, name)
	f.trigger = stored
	return orderedObject{
		{"flow_id", f.id},
		{"flow_name", f.name},
		{"edit_url", editURLPrefix + f.id},
	}, nil
}

// locText renders a 422 location like "template.trigger.nextAction.type".
func locText(loc []any) string {
	parts := make([]string, len(loc))
	for i, p := range loc {
		parts[i] = fmt.Sprint(p)
	}
	return strings.Join(parts, ".")
}

// ---- built-in catalogue ----------------------------------------------------------

// Ids of the built-in templates (fixed, so tests and demos can name them).
const (
	TemplateSlackSummaryES  = "6f1c2d3e-8a4b-4c5d-9e6f-0a1b2c3d4e5f"
	TemplateHubSpotLookupES = "2b7e9c41-5d3a-4f8e-a1b6-3c9d8e7f6a50"
	TemplateCRMWebhookEN    = "9a4d1e7b-2c6f-4b3a-8d5e-7f1a2b3c4d5e"
	TemplateAvailabilityEN  = "c3e8f2a9-7b1d-4e6c-b5a4-1d2e3f4a5b6c"
)

// seedTemplates is the built-in catalogue, oldest first: two Spanish and
// two English templates, one post_call and one during_call each.
func seedTemplates() []TemplateSeed {
	tree := func(src string) map[string]any {
		dec := json.NewDecoder(strings.NewReader(src))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			panic("emulator: built-in template tree: " + err.Error())
		}
		return m
	}
	slack := func(desc string) TemplateConnection {
		return TemplateConnection{Key: "slack", Name: "Slack", Description: desc,
			PieceName: "@activepieces/piece-slack", AuthType: "SECRET_TEXT"}
	}
	return []TemplateSeed{
		{
			ID:            TemplateSlackSummaryES,
			Name:          "Resumen de llamada en Slack",
			Language:      "es",
			Description:   "Publica en un canal de Slack un aviso de cada llamada finalizada de un agente.",
			SetupGuideURL: "https://docs.diga.io/es/build/flows/post-call-flows",
			Connections:   []TemplateConnection{slack("Token del bot de Slack (xoxb-…) con el permiso chat:write.")},
			Trigger: tree(`{
				"name": "trigger", "type": "PIECE_TRIGGER", "displayName": "Llamada finalizada", "valid": true,
				"settings": {"pieceName": "@diga/piece-diga", "pieceVersion": "0.1.0", "triggerName": "call_finished",
					"input": {}, "propertySettings": {}, "sampleData": {}},
				"nextAction": {
					"name": "step_1", "type": "PIECE", "displayName": "Enviar resumen a Slack", "skip": false, "valid": true,
					"settings": {"pieceName": "@activepieces/piece-slack", "pieceVersion": "0.17.9", "actionName": "send_channel_message",
						"input": {"auth": "{{connections['slack']}}", "channel": "<<slack_channel>>", "sendAsBot": true,
							"text": "Agente <<agent_id>>: llamada con {{trigger.contact.identifier}} finalizada ({{trigger.duration}} s, {{trigger.end_reason}})."},
						"propertySettings": {}, "sampleData": {}},
					"nextAction": null}}`),
		},
		{
			ID:          TemplateHubSpotLookupES,
			Name:        "Registrar al cliente en HubSpot durante la llamada",
			Language:    "es",
			Description: "Función que el agente invoca para crear o actualizar al cliente en HubSpot con el email que da por teléfono y añadirlo a una lista.",
			Connections: []TemplateConnection{{Key: "hubspot", Name: "HubSpot",
				Description: "Conexión de HubSpot con acceso a contactos y listas.",
				PieceName:   "@activepieces/piece-hubspot", AuthType: "SECRET_TEXT"}},
			Trigger: tree(`{
				"name": "trigger", "type": "PIECE_TRIGGER", "displayName": "Llamada a función", "valid": true,
				"settings": {"pieceName": "@diga/piece-diga", "pieceVersion": "0.1.0", "triggerName": "function_call",
					"input": {"function_name": "registrar_cliente",
						"description": "Registra al cliente en el CRM cuando da su email.",
						"parameters": [{"name": "email", "type": "Text", "required": true, "description": "El email del cliente."},
							{"name": "nombre", "type": "Text", "required": false, "description": "El nombre del cliente."}]},
					"propertySettings": {}, "sampleData": {}},
				"nextAction": {
					"name": "step_1", "type": "PIECE", "displayName": "Crear o actualizar contacto", "skip": false, "valid": true,
					"settings": {"pieceName": "@activepieces/piece-hubspot", "pieceVersion": "0.2.0", "actionName": "create_or_update_contact",
						"input": {"authentication": "{{connections['hubspot']}}", "email": "{{trigger.arguments.email}}",
							"firstName": "{{trigger.arguments.nombre}}"},
						"propertySettings": {}, "sampleData": {}},
					"nextAction": {
						"name": "step_2", "type": "PIECE", "displayName": "Añadir a la lista", "skip": false, "valid": true,
						"settings": {"pieceName": "@activepieces/piece-hubspot", "pieceVersion": "0.2.0", "actionName": "add_contact_to_list",
							"input": {"authentication": "{{connections['hubspot']}}", "listId": "<<hubspot_list_id>>",
								"email": "{{trigger.arguments.email}}"},
							"propertySettings": {}, "sampleData": {}},
						"nextAction": {
							"name": "step_3", "type": "PIECE", "displayName": "Responder al agente", "skip": false, "valid": true,
							"settings": {"pieceName": "@diga/piece-diga", "pieceVersion": "0.1.0", "actionName": "return_response",
								"input": {"response": {"registrado": true, "email": "{{trigger.arguments.email}}"}},
								"propertySettings": {}, "sampleData": {}},
							"nextAction": null}}}}`),
		},
		{
			ID:            TemplateCRMWebhookEN,
			Name:          "Send call results to your CRM",
			Language:      "en",
			Description:   "After every call, POST the outcome to your CRM's webhook and post a note to Slack.",
			SetupGuideURL: "https://docs.diga.io/en/build/flows/post-call-flows",
			Connections:   []TemplateConnection{slack("Slack bot token (xoxb-…) with the chat:write scope.")},
			Trigger: tree(`{
				"name": "trigger", "type": "PIECE_TRIGGER", "displayName": "Call finished", "valid": true,
				"settings": {"pieceName": "@diga/piece-diga", "pieceVersion": "0.1.0", "triggerName": "call_finished",
					"input": {}, "propertySettings": {}, "sampleData": {}},
				"nextAction": {
					"name": "step_1", "type": "PIECE", "displayName": "Send to CRM", "skip": false, "valid": true,
					"settings": {"pieceName": "@activepieces/piece-http", "pieceVersion": "0.8.5", "actionName": "send_request",
						"input": {"method": "POST", "url": "<<crm_url>>",
							"headers": {"Authorization": "Bearer <<crm_api_key>>", "Content-Type": "application/json"},
							"queryParams": {}, "authType": "NONE", "body_type": "json",
							"body": {"data": {"phone": "{{trigger.contact.identifier}}", "status": "{{trigger.status}}",
								"end_reason": "{{trigger.end_reason}}", "duration": "{{trigger.duration}}"}},
							"timeout": 30},
						"propertySettings": {}, "sampleData": {}},
					"nextAction": {
						"name": "step_2", "type": "PIECE", "displayName": "Notify Slack", "skip": false, "valid": true,
						"settings": {"pieceName": "@activepieces/piece-slack", "pieceVersion": "0.17.9", "actionName": "send_channel_message",
							"input": {"auth": "{{connections['slack']}}", "channel": "<<slack_channel>>", "sendAsBot": true,
								"text": "Call with {{trigger.contact.identifier}} synced to the CRM (HTTP {{step_1.status}})."},
							"propertySettings": {}, "sampleData": {}},
						"nextAction": null}}}`),
		},
		{
			ID:          TemplateAvailabilityEN,
			Name:        "Check appointment availability during the call",
			Language:    "en",
			Description: "A function the agent calls to ask your booking system for free slots on a given date.",
			Trigger: tree(`{
				"name": "trigger", "type": "PIECE_TRIGGER", "displayName": "Function call", "valid": true,
				"settings": {"pieceName": "@diga/piece-diga", "pieceVersion": "0.1.0", "triggerName": "function_call",
					"input": {"function_name": "check_availability",
						"description": "Returns the free appointment slots for the date the caller asks about.",
						"parameters": [{"name": "date", "type": "Text", "required": true, "description": "The date, as YYYY-MM-DD."}]},
					"propertySettings": {}, "sampleData": {}},
				"nextAction": {
					"name": "step_1", "type": "PIECE", "displayName": "Ask the booking system", "skip": false, "valid": true,
					"settings": {"pieceName": "@activepieces/piece-http", "pieceVersion": "0.8.5", "actionName": "send_request",
						"input": {"method": "GET", "url": "<<booking_api_url>>/availability?date={{trigger.arguments.date}}",
							"headers": {"X-Api-Key": "<<booking_api_key>>"}, "queryParams": {}, "authType": "NONE",
							"failureMode": "continue_all", "timeout": "<<timeout_seconds>>"},
						"propertySettings": {}, "sampleData": {}},
					"nextAction": {
						"name": "step_2", "type": "PIECE", "displayName": "Answer the agent", "skip": false, "valid": true,
						"settings": {"pieceName": "@diga/piece-diga", "pieceVersion": "0.1.0", "actionName": "return_response",
							"input": {"response": "{{step_1.body}}"},
							"propertySettings": {}, "sampleData": {}},
						"nextAction": null}}}`),
		},
	}
}
