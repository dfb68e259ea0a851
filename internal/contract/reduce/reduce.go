// Package reduce turns Diga's published OpenAPI document into the
// machine-checkable contract committed as api/diga-openapi.json: the
// workflow operations with their parameters, request bodies, responses,
// schemas, enums, required lists, constraints and security schemes, and no
// prose (description, summary, the schema keyword title, examples, x-*
// notes, tags). The output is deterministic: object keys sorted, two-space
// indentation, a trailing newline, so a refresh shows only real contract
// changes in a diff.
package reduce

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// WorkflowPrefix selects the operations that belong to the contract.
const WorkflowPrefix = "/v1/workflow"

// UpstreamKey is the info field that names the upstream revision.
const UpstreamKey = "x-upstream"

var methods = map[string]bool{
	"get": true, "put": true, "post": true, "delete": true,
	"options": true, "head": true, "patch": true, "trace": true,
}

// Reduce returns the reduced document for spec. upstream names the source
// revision (e.g. "Diga-io/docs api-reference/openapi.json @ f3cbdf1
// (2026-07-22)") and is written to info.x-upstream; it must not be empty.
func Reduce(spec []byte, upstream string) ([]byte, error) {
	if strings.TrimSpace(upstream) == "" {
		return nil, errors.New("the upstream revision is required")
	}
	dec := json.NewDecoder(bytes.NewReader(spec))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("parsing the OpenAPI document: %w", err)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1") {
		return nil, fmt.Errorf("openapi version %q: only OpenAPI 3.1 documents are supported", v)
	}

	out := map[string]any{"openapi": doc["openapi"]}

	info := map[string]any{UpstreamKey: upstream}
	if in, ok := doc["info"].(map[string]any); ok {
		for _, k := range []string{"title", "version"} {
			if v, ok := in[k]; ok {
				info[k] = v
			}
		}
	}
	out["info"] = info

	if servers, ok := doc["servers"].([]any); ok {
		var kept []any
		for _, s := range servers {
			if sm, ok := s.(map[string]any); ok && sm["url"] != nil {
				kept = append(kept, map[string]any{"url": sm["url"]})
			}
		}
		if kept != nil {
			out["servers"] = kept
		}
	}
	if sec, ok := doc["security"]; ok {
		out["security"] = sec
	}

	paths, _ := doc["paths"].(map[string]any)
	outPaths := map[string]any{}
	for p, item := range paths {
		if p != WorkflowPrefix && !strings.HasPrefix(p, WorkflowPrefix+"/") {
			continue
		}
		im, ok := item.(map[string]any)
		if !ok {
			continue
		}
		outPaths[p] = pathItem(im)
	}
	if len(outPaths) == 0 {
		return nil, fmt.Errorf("no path under %s", WorkflowPrefix)
	}
	out["paths"] = outPaths

	if comps, ok := doc["components"].(map[string]any); ok {
		out["components"] = components(comps)
	}
	return Marshal(out)
}

// Marshal renders v the way the committed contract is written.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil { // maps are encoded with sorted keys
		return nil, err
	}
	return buf.Bytes(), nil
}

// Operations lists "METHOD /path" for every operation of a (reduced or
// original) document, sorted.
func Operations(spec []byte) ([]string, error) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(spec, &doc); err != nil {
		return nil, err
	}
	var ops []string
	for p, item := range doc.Paths {
		for m := range item {
			if methods[m] {
				ops = append(ops, strings.ToUpper(m)+" "+p)
			}
		}
	}
	sort.Strings(ops)
	return ops, nil
}

func pathItem(in map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range in {
		switch {
		case methods[k]:
			if om, ok := v.(map[string]any); ok {
				out[k] = operation(om)
			}
		case k == "parameters":
			out[k] = parameters(v)
		case k == "$ref":
			out[k] = v
		}
	}
	return out
}

func operation(in map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range in {
		switch k {
		case "operationId", "security", "deprecated":
			out[k] = v
		case "parameters":
			out[k] = parameters(v)
		case "requestBody":
			out[k] = requestBody(v)
		case "responses":
			if rm, ok := v.(map[string]any); ok {
				out[k] = mapValues(rm, response)
			}
		}
	}
	return out
}

// mapValues reduces every value of an object keyed by status code or name.
func mapValues(in map[string]any, reduce func(any) any) map[string]any {
	out := make(map[string]any, len(in))
	for k, v := range in {
		out[k] = reduce(v)
	}
	return out
}

func parameters(v any) any {
	list, ok := v.([]any)
	if !ok {
		return v
	}
	out := make([]any, 0, len(list))
	for _, p := range list {
		out = append(out, parameter(p))
	}
	return out
}

// parameter also serves header objects, which have the same fields minus
// name and in.
func parameter(v any) any {
	in, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k, val := range in {
		switch k {
		case "name", "in", "required", "deprecated", "allowEmptyValue", "style", "explode", "allowReserved", "$ref":
			out[k] = val
		case "schema":
			out[k] = Schema(val)
		case "content":
			out[k] = content(val)
		}
	}
	return out
}

func requestBody(v any) any {
	in, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k, val := range in {
		switch k {
		case "required", "$ref":
			out[k] = val
		case "content":
			out[k] = content(val)
		}
	}
	return out
}

// response keeps description as an empty string: OpenAPI 3.1 requires the
// field, but its text is prose.
func response(v any) any {
	in, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	if _, isRef := in["$ref"]; !isRef {
		out["description"] = ""
	}
	for k, val := range in {
		switch k {
		case "$ref":
			out[k] = val
		case "content":
			out[k] = content(val)
		case "headers":
			if hm, ok := val.(map[string]any); ok {
				out[k] = mapValues(hm, parameter)
			}
		}
	}
	return out
}

func content(v any) any {
	in, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for mt, m := range in {
		mm, ok := m.(map[string]any)
		if !ok {
			out[mt] = m
			continue
		}
		media := map[string]any{}
		for k, val := range mm {
			switch k {
			case "schema":
				media[k] = Schema(val)
			case "encoding":
				media[k] = val
			}
		}
		out[mt] = media
	}
	return out
}

func components(in map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range in {
		vm, ok := v.(map[string]any)
		if !ok {
			continue
		}
		group := map[string]any{}
		for name, item := range vm {
			switch k {
			case "schemas":
				group[name] = Schema(item)
			case "parameters", "headers":
				group[name] = parameter(item)
			case "requestBodies":
				group[name] = requestBody(item)
			case "responses":
				group[name] = response(item)
			case "securitySchemes":
				group[name] = securityScheme(item)
			default:
				continue
			}
		}
		if len(group) > 0 {
			out[k] = group
		}
	}
	return out
}

func securityScheme(v any) any {
	in, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k, val := range in {
		switch k {
		case "type", "scheme", "bearerFormat", "in", "name", "flows", "openIdConnectUrl", "$ref":
			out[k] = val
		}
	}
	return out
}

// Schema keywords whose value is a schema, an array of schemas, or a map
// from names to schemas. Every other keyword's value is data (enum, const,
// default, required, …) and is copied untouched, so a default object that
// happens to contain a "description" key survives.
var (
	schemaKeywords = map[string]bool{
		"items": true, "additionalProperties": true, "not": true, "if": true, "then": true, "else": true,
		"contains": true, "propertyNames": true, "unevaluatedItems": true, "unevaluatedProperties": true,
		"contentSchema": true,
	}
	schemaArrayKeywords = map[string]bool{"allOf": true, "anyOf": true, "oneOf": true, "prefixItems": true}
	schemaMapKeywords   = map[string]bool{
		"properties": true, "patternProperties": true, "$defs": true, "definitions": true, "dependentSchemas": true,
	}
	proseKeywords = map[string]bool{
		"title": true, "description": true, "examples": true, "example": true, "$comment": true, "externalDocs": true,
	}
)

// Schema strips prose from one JSON Schema (2020-12 / OpenAPI 3.1) value.
// Property names are never touched: a property called "title" or
// "description" is part of the contract.
func Schema(v any) any {
	in, ok := v.(map[string]any)
	if !ok {
		return v // true/false schemas
	}
	out := map[string]any{}
	for k, val := range in {
		switch {
		case proseKeywords[k] || strings.HasPrefix(k, "x-"):
			continue
		case schemaKeywords[k]:
			out[k] = Schema(val)
		case schemaArrayKeywords[k]:
			if list, ok := val.([]any); ok {
				items := make([]any, len(list))
				for i, s := range list {
					items[i] = Schema(s)
				}
				out[k] = items
			} else {
				out[k] = val
			}
		case schemaMapKeywords[k]:
			if m, ok := val.(map[string]any); ok {
				props := map[string]any{}
				for name, s := range m {
					props[name] = Schema(s)
				}
				out[k] = props
			} else {
				out[k] = val
			}
		default:
			out[k] = val
		}
	}
	return out
}

// AgentOperations are the operations the contract takes from Diga's agent
// and phone document besides the workflow ones: what assigning flows to
// voice agents and releasing them calls.
var AgentOperations = []string{
	"GET /v1/agent/",
	"POST /v1/agent/",
	"GET /v1/agent/{agent_id}",
	"PATCH /v1/agent/{agent_id}",
	"DELETE /v1/agent/{agent_id}",
	"POST /v1/agent/{agent_id}/version",
	"GET /v1/agent/{agent_id}/version",
	"PATCH /v1/agent/{agent_id}/published_version",
	"GET /v1/phone/",
}

// AgentsUpstreamKey is the info field that names the revision of the
// document AgentOperations come from.
const AgentsUpstreamKey = "x-upstream-agents"

// AddOperations adds the operations ops ("METHOD /path") of spec to a
// document Reduce made, reduced the same way, together with every schema
// they reference (transitively), and names spec's revision upstream in
// info[key]. A schema already in reduced must reduce to the same value; a
// missing operation or schema, or a schema that differs, is an error. The
// output is deterministic like Reduce's, and adding to its own output
// again changes nothing.
func AddOperations(reduced, spec []byte, ops []string, key, upstream string) ([]byte, error) {
	if strings.TrimSpace(upstream) == "" {
		return nil, errors.New("the upstream revision of the added operations is required")
	}
	if !strings.HasPrefix(key, "x-") {
		return nil, fmt.Errorf("info key %q must start with x-", key)
	}
	base, err := decode(reduced, "the reduced document")
	if err != nil {
		return nil, err
	}
	src, err := decode(spec, "the document to add from")
	if err != nil {
		return nil, err
	}
	info, _ := base["info"].(map[string]any)
	if info == nil {
		info = map[string]any{}
		base["info"] = info
	}
	info[key] = upstream

	srcPaths, _ := src["paths"].(map[string]any)
	outPaths, _ := base["paths"].(map[string]any)
	if outPaths == nil {
		outPaths = map[string]any{}
		base["paths"] = outPaths
	}
	var refs []string
	for _, op := range ops {
		method, path, ok := strings.Cut(op, " ")
		method = strings.ToLower(method)
		if !ok || !methods[method] {
			return nil, fmt.Errorf("operation %q is not \"METHOD /path\"", op)
		}
		item, _ := srcPaths[path].(map[string]any)
		raw, _ := item[method].(map[string]any)
		if raw == nil {
			return nil, fmt.Errorf("operation %s is not in the document to add from", op)
		}
		dst, _ := outPaths[path].(map[string]any)
		if dst == nil {
			dst = map[string]any{}
			if params, ok := item["parameters"]; ok {
				dst["parameters"] = parameters(params)
			}
			outPaths[path] = dst
		}
		reducedOp := operation(raw)
		dst[method] = reducedOp
		refs = append(refs, schemaRefs(reducedOp)...)
	}

	srcComps, _ := src["components"].(map[string]any)
	srcSchemas, _ := srcComps["schemas"].(map[string]any)
	comps, _ := base["components"].(map[string]any)
	if comps == nil {
		comps = map[string]any{}
		base["components"] = comps
	}
	schemas, _ := comps["schemas"].(map[string]any)
	if schemas == nil {
		schemas = map[string]any{}
		comps["schemas"] = schemas
	}
	done := map[string]bool{}
	for len(refs) > 0 {
		name := refs[0]
		refs = refs[1:]
		if done[name] {
			continue
		}
		done[name] = true
		s, ok := srcSchemas[name]
		if !ok {
			return nil, fmt.Errorf("schema %s is referenced but not defined in the document to add from", name)
		}
		r := Schema(s)
		if have, ok := schemas[name]; ok {
			a, _ := Marshal(have)
			b, _ := Marshal(r)
			if !bytes.Equal(a, b) {
				return nil, fmt.Errorf("schema %s differs between the two documents", name)
			}
		}
		schemas[name] = r
		refs = append(refs, schemaRefs(r)...)
	}
	if sec, ok := srcComps["securitySchemes"].(map[string]any); ok {
		group, _ := comps["securitySchemes"].(map[string]any)
		if group == nil {
			group = map[string]any{}
			comps["securitySchemes"] = group
		}
		for name, item := range sec {
			if _, ok := group[name]; !ok {
				group[name] = securityScheme(item)
			}
		}
	}
	return Marshal(base)
}

func decode(doc []byte, what string) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", what, err)
	}
	if out == nil {
		return nil, fmt.Errorf("parsing %s: not a JSON object", what)
	}
	if v, _ := out["openapi"].(string); !strings.HasPrefix(v, "3.1") {
		return nil, fmt.Errorf("%s: openapi version %q: only OpenAPI 3.1 documents are supported", what, v)
	}
	return out, nil
}

// schemaRefs lists the component schema names v references, sorted.
func schemaRefs(v any) []string {
	seen := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			if ref, ok := t["$ref"].(string); ok {
				if name, ok := strings.CutPrefix(ref, "#/components/schemas/"); ok {
					seen[name] = true
				}
			}
			for _, x := range t {
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	walk(v)
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
