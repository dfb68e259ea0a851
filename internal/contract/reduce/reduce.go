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
