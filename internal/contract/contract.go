package contract

import (
	"bytes"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/Diga-io/terraform-provider-diga/api"
)

// Violation is one difference between an exchange and the contract.
type Violation struct {
	// Operation is the documented operation ("POST /v1/workflow/"), or the
	// request's own method and path when it matches none.
	Operation string
	// Direction is "request" or "response".
	Direction string
	// Field locates the problem: "path", "path.flow_id", "query.limit",
	// "header.Authorization", "header.Content-Type", "body",
	// "body.trigger.nextAction.name", "status".
	Field string
	// Message says what the contract expects.
	Message string
	// Status is the response status (0 when there was none yet).
	Status int
}

func (v Violation) String() string {
	var b strings.Builder
	b.WriteString(v.Operation)
	b.WriteByte(' ')
	b.WriteString(v.Direction)
	if v.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", v.Status)
	}
	b.WriteString(": ")
	if v.Field != "" {
		b.WriteString(v.Field)
		b.WriteString(": ")
	}
	b.WriteString(v.Message)
	return b.String()
}

const (
	dirRequest  = "request"
	dirResponse = "response"
)

// docURL names the contract as a JSON Schema resource; nothing is fetched.
const docURL = "https://contract.diga.invalid/diga-openapi.json"

// Validator checks exchanges against the embedded contract. It is
// immutable and safe for concurrent use.
type Validator struct {
	ops         []*operation
	byKey       map[string]*operation
	errorSchema *jsonschema.Schema
	upstream    string
}

type operation struct {
	key, method, path string
	segs              []string
	pathParams        map[string]*param
	query             map[string]*param
	body              *requestBody // nil: the operation takes no body
	secured           bool
	responses         map[int]*response
}

type param struct {
	name     string
	required bool
	array    bool     // values come from repeated parameters
	types    []string // JSON types a raw string is read as, in preference order
	schema   *jsonschema.Schema
}

type requestBody struct {
	required bool
	media    map[string]*jsonschema.Schema // nil schema: anything
}

type response struct {
	media map[string]*jsonschema.Schema
}

var (
	loadOnce sync.Once
	loaded   *Validator
	loadErr  error
)

// Load returns the validator for the embedded api/diga-openapi.json. The
// contract is compiled once per process.
func Load() (*Validator, error) {
	loadOnce.Do(func() { loaded, loadErr = compile(api.OpenAPI) })
	return loaded, loadErr
}

func compile(raw []byte) (*Validator, error) {
	docAny, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("contract: parsing api/diga-openapi.json: %w", err)
	}
	doc, ok := docAny.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("contract: api/diga-openapi.json is not an object")
	}
	closeObjects(doc)

	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docURL, doc); err != nil {
		return nil, fmt.Errorf("contract: %w", err)
	}
	compileAt := func(ptr ...string) (*jsonschema.Schema, error) {
		loc := docURL + "#" + pointer(ptr...)
		s, err := c.Compile(loc)
		if err != nil {
			return nil, fmt.Errorf("contract: compiling %s: %w", pointer(ptr...), err)
		}
		return s, nil
	}

	v := &Validator{byKey: map[string]*operation{}}
	if info, ok := doc["info"].(map[string]any); ok {
		v.upstream, _ = info["x-upstream"].(string)
	}
	if v.errorSchema, err = compileAt("components", "schemas", "ErrorResponseSchema"); err != nil {
		return nil, err
	}

	globalSecurity := hasSecurity(doc["security"])
	paths, _ := doc["paths"].(map[string]any)
	for p, itemAny := range paths {
		item, _ := itemAny.(map[string]any)
		for m, opAny := range item {
			method := strings.ToUpper(m)
			if !httpMethods[method] {
				continue
			}
			opDoc, _ := opAny.(map[string]any)
			op := &operation{
				key:        method + " " + p,
				method:     method,
				path:       p,
				segs:       strings.Split(p, "/"),
				pathParams: map[string]*param{},
				query:      map[string]*param{},
				responses:  map[int]*response{},
				secured:    globalSecurity,
			}
			if sec, ok := opDoc["security"]; ok {
				op.secured = hasSecurity(sec)
			}
			type located struct {
				doc  any
				base []string
			}
			var params []located
			for i, pAny := range listOf(item["parameters"]) {
				params = append(params, located{pAny, []string{"paths", p, "parameters", strconv.Itoa(i)}})
			}
			for i, pAny := range listOf(opDoc["parameters"]) {
				params = append(params, located{pAny, []string{"paths", p, m, "parameters", strconv.Itoa(i)}})
			}
			for _, lp := range params {
				pd, _ := lp.doc.(map[string]any)
				name, _ := pd["name"].(string)
				in, _ := pd["in"].(string)
				required, _ := pd["required"].(bool)
				prm := &param{name: name, required: required || in == "path"}
				if sd, ok := pd["schema"]; ok {
					if prm.schema, err = compileAt(append(lp.base, "schema")...); err != nil {
						return nil, err
					}
					prm.types, prm.array = scalarTypes(doc, sd)
				}
				switch in {
				case "path":
					op.pathParams[name] = prm
				case "query":
					op.query[name] = prm
				default:
					return nil, fmt.Errorf("contract: %s: %s parameters are not supported", op.key, in)
				}
			}
			if rb, ok := opDoc["requestBody"].(map[string]any); ok {
				op.body = &requestBody{media: map[string]*jsonschema.Schema{}}
				op.body.required, _ = rb["required"].(bool)
				contentDoc, _ := rb["content"].(map[string]any)
				for mt, mAny := range contentDoc {
					var s *jsonschema.Schema
					if md, _ := mAny.(map[string]any); md != nil && md["schema"] != nil {
						if s, err = compileAt("paths", p, m, "requestBody", "content", mt, "schema"); err != nil {
							return nil, err
						}
					}
					op.body.media[mediaType(mt)] = s
				}
			}
			resps, _ := opDoc["responses"].(map[string]any)
			for code, rAny := range resps {
				status, err := strconv.Atoi(code)
				if err != nil {
					return nil, fmt.Errorf("contract: %s: response %q: only numeric status codes are supported", op.key, code)
				}
				r := &response{}
				rd, _ := rAny.(map[string]any)
				if contentDoc, ok := rd["content"].(map[string]any); ok && len(contentDoc) > 0 {
					r.media = map[string]*jsonschema.Schema{}
					for mt, mAny := range contentDoc {
						var s *jsonschema.Schema
						if md, _ := mAny.(map[string]any); md != nil && md["schema"] != nil {
							if s, err = compileAt("paths", p, m, "responses", code, "content", mt, "schema"); err != nil {
								return nil, err
							}
						}
						r.media[mediaType(mt)] = s
					}
				}
				op.responses[status] = r
			}
			v.ops = append(v.ops, op)
			v.byKey[op.key] = op
		}
	}
	sort.Slice(v.ops, func(i, j int) bool {
		if v.ops[i].path != v.ops[j].path {
			return v.ops[i].path < v.ops[j].path
		}
		return methodRank(v.ops[i].method) < methodRank(v.ops[j].method)
	})
	return v, nil
}

var httpMethods = map[string]bool{
	"GET": true, "PUT": true, "POST": true, "DELETE": true, "OPTIONS": true, "HEAD": true, "PATCH": true, "TRACE": true,
}

func methodRank(m string) int {
	for i, x := range []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"} {
		if x == m {
			return i
		}
	}
	return 99
}

func listOf(v any) []any {
	l, _ := v.([]any)
	return l
}

// hasSecurity reports whether a security requirement list demands
// credentials: an empty list, or one containing {}, means none.
func hasSecurity(v any) bool {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return false
	}
	for _, req := range list {
		if m, ok := req.(map[string]any); ok && len(m) == 0 {
			return false
		}
	}
	return true
}

// pointer builds an RFC 6901 JSON pointer, escaped for use as a URL
// fragment.
func pointer(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		t = strings.ReplaceAll(t, "~", "~0")
		t = strings.ReplaceAll(t, "/", "~1")
		b.WriteByte('/')
		b.WriteString(url.PathEscape(t))
	}
	return b.String()
}

// scalarTypes returns the JSON types a query/path string is read as
// (integer before number before boolean before string), and whether the
// parameter is an array read from repeated values.
func scalarTypes(doc map[string]any, schema any) ([]string, bool) {
	set := map[string]bool{}
	array := false
	var itemTypes map[string]bool
	var walk func(s any, depth int, into map[string]bool)
	walk = func(s any, depth int, into map[string]bool) {
		m, ok := s.(map[string]any)
		if !ok || depth > 20 {
			return
		}
		if ref, ok := m["$ref"].(string); ok {
			walk(resolveRef(doc, ref), depth+1, into)
		}
		switch t := m["type"].(type) {
		case string:
			into[t] = true
		case []any:
			for _, x := range t {
				if s, ok := x.(string); ok {
					into[s] = true
				}
			}
		}
		for _, k := range []string{"anyOf", "oneOf", "allOf"} {
			for _, sub := range listOf(m[k]) {
				walk(sub, depth+1, into)
			}
		}
		if items, ok := m["items"]; ok && into[`array`] {
			if itemTypes == nil {
				itemTypes = map[string]bool{}
			}
			walk(items, depth+1, itemTypes)
		}
	}
	walk(schema, 0, set)
	if set["array"] {
		array = true
		set = itemTypes
	}
	var out []string
	for _, t := range []string{"integer", "number", "boolean", "string"} {
		if set[t] {
			out = append(out, t)
		}
	}
	return out, array
}

func resolveRef(doc map[string]any, ref string) any {
	if !strings.HasPrefix(ref, "#/") {
		return nil
	}
	var cur any = doc
	for _, tok := range strings.Split(ref[2:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[tok]
	}
	return cur
}

// openComponents are pydantic/FastAPI models that document fewer keys than
// the server sends (see the package doc) and so stay open.
var openComponents = map[string]bool{"ValidationError": true}

// closeObjects applies the closed-object policy of the package doc to every
// schema in doc, in place.
func closeObjects(doc map[string]any) {
	if comps, ok := doc["components"].(map[string]any); ok {
		if schemas, ok := comps["schemas"].(map[string]any); ok {
			for name, s := range schemas {
				if !openComponents[name] {
					closeSchema(s)
				}
			}
		}
	}
	paths, _ := doc["paths"].(map[string]any)
	for _, itemAny := range paths {
		item, _ := itemAny.(map[string]any)
		for k, opAny := range item {
			if k == "parameters" {
				for _, p := range listOf(opAny) {
					if pm, ok := p.(map[string]any); ok {
						closeSchema(pm["schema"])
					}
				}
				continue
			}
			op, _ := opAny.(map[string]any)
			for _, p := range listOf(op["parameters"]) {
				if pm, ok := p.(map[string]any); ok {
					closeSchema(pm["schema"])
				}
			}
			if rb, ok := op["requestBody"].(map[string]any); ok {
				closeContent(rb["content"])
			}
			resps, _ := op["responses"].(map[string]any)
			for _, r := range resps {
				if rm, ok := r.(map[string]any); ok {
					closeContent(rm["content"])
				}
			}
		}
	}
}

func closeContent(v any) {
	content, _ := v.(map[string]any)
	for _, m := range content {
		if mm, ok := m.(map[string]any); ok {
			closeSchema(mm["schema"])
		}
	}
}

func closeSchema(v any) {
	s, ok := v.(map[string]any)
	if !ok {
		return
	}
	if _, has := s["properties"]; has {
		_, ap := s["additionalProperties"]
		_, up := s["unevaluatedProperties"]
		if !ap && !up {
			s["additionalProperties"] = false
		}
	}
	for k, val := range s {
		switch k {
		case "items", "additionalProperties", "not", "if", "then", "else", "contains",
			"propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema":
			closeSchema(val)
		case "allOf", "anyOf", "oneOf", "prefixItems":
			for _, sub := range listOf(val) {
				closeSchema(sub)
			}
		case "properties", "patternProperties", "$defs", "dependentSchemas":
			if m, ok := val.(map[string]any); ok {
				for _, sub := range m {
					closeSchema(sub)
				}
			}
		}
	}
}

// Upstream names the upstream revision the contract was reduced from.
func (v *Validator) Upstream() string { return v.upstream }

// Operations lists every documented operation as "METHOD /path", sorted by
// path, then method.
func (v *Validator) Operations() []string {
	out := make([]string, len(v.ops))
	for i, op := range v.ops {
		out[i] = op.key
	}
	return out
}

// Operation names the documented operation that serves method and path (an
// escaped URL path, no query), e.g. ("DELETE", "/v1/workflow/abc") →
// "DELETE /v1/workflow/{flow_id}".
func (v *Validator) Operation(method, path string) (string, bool) {
	if op, _ := v.match(method, path); op != nil {
		return op.key, true
	}
	return "", false
}

// match returns the operation for method and path, the path parameters
// (unescaped), and whether any operation has this path with another method.
func (v *Validator) match(method, path string) (*operation, map[string]string) {
	segs := strings.Split(path, "/")
	var best *operation
	var bestScore []bool
	for _, op := range v.ops {
		if op.method != method || len(op.segs) != len(segs) {
			continue
		}
		score, ok := op.score(segs)
		if !ok {
			continue
		}
		if best == nil || moreSpecific(score, bestScore) {
			best, bestScore = op, score
		}
	}
	if best == nil {
		return nil, nil
	}
	params := map[string]string{}
	for i, s := range best.segs {
		if isTemplate(s) {
			val, err := url.PathUnescape(segs[i])
			if err != nil {
				val = segs[i]
			}
			params[s[1:len(s)-1]] = val
		}
	}
	return best, params
}

// pathDocumented reports whether any operation (any method) has path.
func (v *Validator) pathDocumented(path string) bool {
	segs := strings.Split(path, "/")
	for _, op := range v.ops {
		if len(op.segs) != len(segs) {
			continue
		}
		if _, ok := op.score(segs); ok {
			return true
		}
	}
	return false
}

// score reports whether op's template matches segs and, per segment,
// whether the match was literal.
func (op *operation) score(segs []string) ([]bool, bool) {
	score := make([]bool, len(segs))
	for i, s := range op.segs {
		if isTemplate(s) {
			if segs[i] == "" {
				return nil, false
			}
			continue
		}
		if s != segs[i] {
			return nil, false
		}
		score[i] = true
	}
	return score, true
}

// moreSpecific: the first segment where the two differ decides, literal
// beating parameter.
func moreSpecific(a, b []bool) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i]
		}
	}
	return false
}

func isTemplate(seg string) bool {
	return len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}'
}

// toggleSlash is the other trailing-slash form of path ("" for "/").
func toggleSlash(path string) string {
	if path == "" || path == "/" {
		return ""
	}
	if strings.HasSuffix(path, "/") {
		return strings.TrimRight(path, "/")
	}
	return path + "/"
}

// Process-wide coverage: every Middleware and Validator in the test binary
// counts into the same table.
var (
	seenMu sync.Mutex
	seen   = map[string]int{}
)

func markSeen(op string) {
	seenMu.Lock()
	seen[op]++
	seenMu.Unlock()
}

// Seen returns how often each documented operation has been exercised
// through a Middleware in this process (redirected requests count for
// nothing: the follow-up request counts).
func (v *Validator) Seen() map[string]int {
	seenMu.Lock()
	defer seenMu.Unlock()
	out := make(map[string]int, len(seen))
	for k, n := range seen {
		out[k] = n
	}
	return out
}

// Coverage summarises which documented operations were exercised.
type Coverage struct {
	// Documented lists every operation of the contract, as Operations does.
	Documented []string
	// Seen counts requests per exercised operation.
	Seen map[string]int
	// Unseen lists documented operations never exercised, in Documented
	// order.
	Unseen []string
}

// Coverage reports the process-wide coverage so far.
func (v *Validator) Coverage() Coverage {
	cov := Coverage{Documented: v.Operations(), Seen: v.Seen()}
	for _, op := range cov.Documented {
		if cov.Seen[op] == 0 {
			cov.Unseen = append(cov.Unseen, op)
		}
	}
	return cov
}

func (c Coverage) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d documented operations exercised", len(c.Documented)-len(c.Unseen), len(c.Documented))
	if len(c.Unseen) > 0 {
		b.WriteString("; not exercised:")
		for _, op := range c.Unseen {
			b.WriteString("\n  ")
			b.WriteString(op)
		}
	}
	return b.String()
}
