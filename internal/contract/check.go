package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// envelopeStatuses may answer any operation with ErrorResponseSchema
// (rule 1 of the package doc).
var envelopeStatuses = map[int]bool{400: true, 401: true, 403: true, 404: true, 409: true, 501: true, 503: true}

// detailStatuses may answer any operation with {"detail": "<text>"} (rule 2).
var detailStatuses = map[int]bool{404: true, 405: true}

// CheckRequest checks one request against the contract without serving it.
// body is the whole request body (r.Body is not read). A request for the
// other slash form of a documented operation is reported here, since only
// the answer (a 307) can excuse it; Middleware sees both.
func (v *Validator) CheckRequest(r *http.Request, body []byte) []Violation {
	path := r.URL.EscapedPath()
	op, params := v.match(r.Method, path)
	if op == nil {
		return []Violation{v.undocumented(r.Method, path)}
	}
	return v.checkRequestOp(op, params, r, body)
}

// CheckResponse checks one answer to a request for method and path (the
// request's escaped URL path, without query). header holds the response
// headers.
func (v *Validator) CheckResponse(method, path string, status int, header http.Header, body []byte) []Violation {
	op, _ := v.match(method, path)
	if op != nil {
		return withStatus(v.checkResponseOp(op, status, header, body), status)
	}
	if v.isSlashRedirect(method, path, status, header) {
		return withStatus(checkRedirect(method+" "+path, header, body), status)
	}
	out := []Violation{v.undocumented(method, path)}
	out = append(out, v.checkUndocumentedStatus(method+" "+path, nil, status, header, body)...)
	return withStatus(out, status)
}

// checkExchange is what Middleware runs once the answer is known.
func (v *Validator) checkExchange(r *http.Request, reqBody []byte, status int, header http.Header, respBody []byte) []Violation {
	path := r.URL.EscapedPath()
	op, params := v.match(r.Method, path)
	if op == nil {
		if v.isSlashRedirect(r.Method, path, status, header) {
			return withStatus(checkRedirect(r.Method+" "+path, header, respBody), status)
		}
		out := []Violation{v.undocumented(r.Method, path)}
		out = append(out, v.checkUndocumentedStatus(r.Method+" "+path, nil, status, header, respBody)...)
		return withStatus(out, status)
	}
	markSeen(op.key)
	out := v.checkRequestOp(op, params, r, reqBody)
	out = append(out, v.checkResponseOp(op, status, header, respBody)...)
	return withStatus(out, status)
}

func withStatus(vs []Violation, status int) []Violation {
	for i := range vs {
		vs[i].Status = status
	}
	return vs
}

func (v *Validator) undocumented(method, path string) Violation {
	msg := "no documented operation"
	switch {
	case v.pathDocumented(path):
		var allowed []string
		segs := strings.Split(path, "/")
		for _, op := range v.ops {
			if len(op.segs) != len(segs) {
				continue
			}
			if _, ok := op.score(segs); ok {
				allowed = append(allowed, op.method)
			}
		}
		msg = fmt.Sprintf("method %s is not documented for this path (documented: %s)", method, strings.Join(allowed, ", "))
	case toggleSlash(path) != "" && v.pathDocumented(toggleSlash(path)):
		msg = fmt.Sprintf("no documented operation; the documented path is %q (trailing slash matters) and this request was not answered with a 307 redirect to it", toggleSlash(path))
	}
	return Violation{Operation: method + " " + path, Direction: dirRequest, Field: "path", Message: msg}
}

// isSlashRedirect: path is the other slash form of an operation documented
// for method, and the answer redirects there.
func (v *Validator) isSlashRedirect(method, path string, status int, header http.Header) bool {
	target := toggleSlash(path)
	if status != http.StatusTemporaryRedirect || target == "" {
		return false
	}
	if op, _ := v.match(method, target); op == nil {
		return false
	}
	loc, err := url.Parse(header.Get("Location"))
	return err == nil && loc.EscapedPath() == target
}

func checkRedirect(opKey string, header http.Header, body []byte) []Violation {
	var out []Violation
	if header.Get("Location") == "" {
		out = append(out, Violation{Operation: opKey, Direction: dirResponse, Field: "header.Location", Message: "a 307 redirect needs a Location header"})
	}
	if len(bytes.TrimSpace(body)) != 0 {
		out = append(out, Violation{Operation: opKey, Direction: dirResponse, Field: "body", Message: "a 307 redirect has an empty body"})
	}
	return out
}

func (v *Validator) checkRequestOp(op *operation, params map[string]string, r *http.Request, body []byte) []Violation {
	var out []Violation
	add := func(field, format string, args ...any) {
		out = append(out, Violation{Operation: op.key, Direction: dirRequest, Field: field, Message: fmt.Sprintf(format, args...)})
	}

	for _, name := range slices.Sorted(maps.Keys(params)) {
		p := op.pathParams[name]
		if p == nil || p.schema == nil {
			continue
		}
		for _, fm := range validate(p.schema, p.coerce(params[name]), "path."+name) {
			add(fm.field, "%s", fm.msg)
		}
	}

	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		add("query", "malformed query string: %v", err)
	}
	for _, name := range slices.Sorted(maps.Keys(q)) {
		vals := q[name]
		p, ok := op.query[name]
		if !ok {
			documented := strings.Join(slices.Sorted(maps.Keys(op.query)), ", ")
			if documented == "" {
				documented = "none"
			}
			add("query."+name, "not a documented query parameter (documented: %s)", documented)
			continue
		}
		if p.schema == nil {
			continue
		}
		var value any
		if p.array {
			items := make([]any, len(vals))
			for i, s := range vals {
				items[i] = p.coerce(s)
			}
			value = items
		} else {
			if len(vals) > 1 {
				add("query."+name, "given %d times; the parameter takes one value", len(vals))
			}
			value = p.coerce(vals[len(vals)-1])
		}
		for _, fm := range validate(p.schema, value, "query."+name) {
			add(fm.field, "%s", fm.msg)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(op.query)) {
		if op.query[name].required && len(q[name]) == 0 {
			add("query."+name, "required query parameter is missing")
		}
	}

	if op.secured {
		scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "bearer") || strings.TrimSpace(cred) == "" {
			add("header.Authorization", `the operation requires "Authorization: Bearer <API key>" (security scheme CustomHTTPBearer)`)
		}
	}

	empty := len(bytes.TrimSpace(body)) == 0
	switch {
	case op.body == nil:
		if !empty {
			add("body", "the operation takes no request body, got %d bytes", len(body))
		}
	case empty:
		if op.body.required {
			add("body", "a JSON request body is required")
		}
	default:
		ct := mediaType(r.Header.Get("Content-Type"))
		schema, ok := op.body.media[ct]
		if !ok {
			add("header.Content-Type", "Content-Type %q is not documented for the body (documented: %s)", r.Header.Get("Content-Type"), strings.Join(slices.Sorted(maps.Keys(op.body.media)), ", "))
			schema = onlySchema(op.body.media)
		}
		for _, fm := range validateBody(schema, body) {
			add(fm.field, "%s", fm.msg)
		}
	}
	return out
}

func (v *Validator) checkResponseOp(op *operation, status int, header http.Header, body []byte) []Violation {
	var out []Violation
	add := func(field, format string, args ...any) {
		out = append(out, Violation{Operation: op.key, Direction: dirResponse, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	r, documented := op.responses[status]
	if !documented {
		return v.checkUndocumentedStatus(op.key, op, status, header, body)
	}
	empty := len(bytes.TrimSpace(body)) == 0
	if r.media == nil {
		if empty || v.isErrorEnvelope(header, body) || isDetail(header, body) {
			return nil
		}
		add("body", "HTTP %d is documented without a body; got %d bytes that are neither empty, ErrorResponseSchema nor {\"detail\": \"…\"}", status, len(body))
		return out
	}
	if empty {
		add("body", "HTTP %d is documented with a body (%s); got an empty body", status, strings.Join(slices.Sorted(maps.Keys(r.media)), ", "))
		return out
	}
	ct := mediaType(header.Get("Content-Type"))
	schema, ok := r.media[ct]
	if !ok {
		add("header.Content-Type", "Content-Type %q is not documented for HTTP %d (documented: %s)", header.Get("Content-Type"), status, strings.Join(slices.Sorted(maps.Keys(r.media)), ", "))
		schema = onlySchema(r.media)
	}
	for _, fm := range validateBody(schema, body) {
		add(fm.field, "%s", fm.msg)
	}
	return out
}

// checkUndocumentedStatus applies the error-body rule of the package doc.
func (v *Validator) checkUndocumentedStatus(opKey string, op *operation, status int, header http.Header, body []byte) []Violation {
	if status == http.StatusTemporaryRedirect {
		return checkRedirect(opKey, header, body)
	}
	if detailStatuses[status] && isDetail(header, body) {
		return nil
	}
	if envelopeStatuses[status] {
		fms := v.envelopeProblems(header, body)
		if len(fms) == 0 {
			return nil
		}
		var out []Violation
		for _, fm := range fms {
			msg := "undocumented HTTP " + strconv.Itoa(status) + " must carry ErrorResponseSchema"
			if detailStatuses[status] {
				msg += ` or {"detail": "…"}`
			}
			out = append(out, Violation{Operation: opKey, Direction: dirResponse, Field: fm.field, Message: msg + ": " + fm.msg})
		}
		return out
	}
	if detailStatuses[status] {
		return []Violation{{Operation: opKey, Direction: dirResponse, Field: "body",
			Message: fmt.Sprintf(`undocumented HTTP %d must carry {"detail": "<text>"}`, status)}}
	}
	documented := "none"
	if op != nil {
		var codes []string
		for _, c := range slices.Sorted(maps.Keys(op.responses)) {
			codes = append(codes, strconv.Itoa(c))
		}
		documented = strings.Join(codes, ", ")
	}
	return []Violation{{Operation: opKey, Direction: dirResponse, Field: "status",
		Message: fmt.Sprintf("HTTP %d is not documented (documented: %s; also allowed for any operation: 400/401/403/404/409/501/503 with ErrorResponseSchema, 404/405 with {\"detail\": \"…\"}, 307 redirects)", status, documented)}}
}

func (v *Validator) isErrorEnvelope(header http.Header, body []byte) bool {
	return len(v.envelopeProblems(header, body)) == 0
}

func (v *Validator) envelopeProblems(header http.Header, body []byte) []fieldMsg {
	if ct := mediaType(header.Get("Content-Type")); ct != "application/json" {
		return []fieldMsg{{"header.Content-Type", fmt.Sprintf("Content-Type %q, want application/json", header.Get("Content-Type"))}}
	}
	return validateBody(v.errorSchema, body)
}

// isDetail: FastAPI's {"detail": "<text>"} and nothing else.
func isDetail(header http.Header, body []byte) bool {
	if mediaType(header.Get("Content-Type")) != "application/json" {
		return false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil || len(m) != 1 {
		return false
	}
	var s string
	return json.Unmarshal(m["detail"], &s) == nil
}

type fieldMsg struct{ field, msg string }

func validateBody(schema *jsonschema.Schema, body []byte) []fieldMsg {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return []fieldMsg{{"body", "not a JSON document: " + err.Error()}}
	}
	if schema == nil {
		return nil
	}
	return validate(schema, inst, "body")
}

var printer = message.NewPrinter(language.English)

// validate turns a schema failure into one entry per offending field. The
// "or null" branch that every optional pydantic field carries (anyOf [X,
// {type: null}]) is dropped whenever a more specific failure exists at or
// below the same place, so a wrong type inside a nullable object reads as
// that, not as "want null".
func validate(schema *jsonschema.Schema, inst any, prefix string) []fieldMsg {
	err := schema.Validate(inst)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []fieldMsg{{prefix, err.Error()}}
	}
	type leaf struct {
		loc  []string
		kind jsonschema.ErrorKind
	}
	var leaves []leaf
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			leaves = append(leaves, leaf{e.InstanceLocation, e.ErrorKind})
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)

	isNullBranch := func(l leaf) bool {
		t, ok := l.kind.(*kind.Type)
		return ok && len(t.Want) == 1 && t.Want[0] == "null"
	}
	under := func(loc, parent []string) bool {
		if len(loc) < len(parent) {
			return false
		}
		for i := range parent {
			if loc[i] != parent[i] {
				return false
			}
		}
		return true
	}
	var out []fieldMsg
	seen := map[string]bool{}
	emit := func(field, msg string) {
		if key := field + "\x00" + msg; !seen[key] {
			seen[key] = true
			out = append(out, fieldMsg{field, msg})
		}
	}
	for _, l := range leaves {
		if isNullBranch(l) {
			specific := false
			for _, o := range leaves {
				if !isNullBranch(o) && under(o.loc, l.loc) {
					specific = true
					break
				}
			}
			if specific {
				continue
			}
		}
		field := joinField(prefix, l.loc)
		switch k := l.kind.(type) {
		case *kind.Required:
			for _, m := range k.Missing {
				emit(joinField(field, []string{m}), "required property is missing")
			}
		case *kind.AdditionalProperties:
			for _, p := range k.Properties {
				emit(joinField(field, []string{p}), "property is not in the contract (the schema declares no such key)")
			}
		default:
			emit(field, l.kind.LocalizedString(printer))
		}
	}
	return out
}

func joinField(prefix string, loc []string) string {
	if len(loc) == 0 {
		return prefix
	}
	return prefix + "." + strings.Join(loc, ".")
}

// coerce reads a path or query string as the parameter's JSON type: the
// first type (integer, number, boolean, string) the text parses as; text
// that parses as none stays a string, so the schema reports the mismatch.
func (p *param) coerce(s string) any {
	for _, t := range p.types {
		switch t {
		case "integer":
			if _, err := strconv.ParseInt(s, 10, 64); err == nil {
				return json.Number(s)
			}
		case "number":
			if _, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "xXpP_") {
				return json.Number(s)
			}
		case "boolean":
			switch s {
			case "true":
				return true
			case "false":
				return false
			}
		case "string":
			return s
		}
	}
	return s
}

// mediaType normalises a Content-Type to its lower-case media type.
func mediaType(ct string) string {
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(ct))
	}
	return mt
}

// onlySchema returns the schema when exactly one media type is documented,
// so a wrong Content-Type does not hide body problems.
func onlySchema(m map[string]*jsonschema.Schema) *jsonschema.Schema {
	if len(m) == 1 {
		for _, s := range m {
			return s
		}
	}
	return nil
}
