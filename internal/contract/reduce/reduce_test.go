package reduce

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

const sample = `{
  "openapi": "3.1.0",
  "info": {"title": "Diga API", "version": "0.1.0", "description": "prose", "x-source": "somewhere"},
  "servers": [{"url": "https://api.diga.io", "description": "Production"}],
  "tags": [{"name": "Workflows", "description": "prose"}],
  "x-diga-legacy-operations": {"paths": {}},
  "paths": {
    "/v1/workflow/{flow_id}": {
      "get": {
        "tags": ["Workflows"], "summary": "Get", "description": "prose", "operationId": "get_flow",
        "security": [{"CustomHTTPBearer": []}],
        "parameters": [{"name": "flow_id", "in": "path", "required": true, "description": "prose",
          "schema": {"type": "string", "title": "Flow Id", "examples": ["x"]}}],
        "responses": {
          "200": {"description": "Successful Response", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Thing"}, "example": {"a": 1}}}},
          "404": {"description": "Not found"}
        },
        "x-doc-pages-seen": []
      }
    },
    "/v1/api_key/": {"get": {"responses": {"200": {"description": "x"}}}}
  },
  "components": {
    "schemas": {
      "Thing": {
        "type": "object", "title": "Thing", "description": "prose", "x-note": "n",
        "required": ["title"],
        "properties": {
          "title": {"type": "string", "title": "Title", "minLength": 1},
          "description": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Description"},
          "mode": {"enum": ["a", "b"], "default": {"description": "data, not prose"}},
          "items": {"type": "array", "items": {"type": "object", "title": "Item",
            "properties": {"examples": {"type": "integer", "maximum": 3}}}}
        }
      }
    },
    "securitySchemes": {"CustomHTTPBearer": {"type": "http", "scheme": "bearer", "description": "prose"}}
  }
}`

func TestReduce(t *testing.T) {
	t.Parallel()
	out, err := Reduce([]byte(sample), "Diga-io/docs api-reference/openapi.json @ abc1234 (2026-07-22)")
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "components": {
    "schemas": {
      "Thing": {
        "properties": {
          "description": {
            "anyOf": [
              {
                "type": "string"
              },
              {
                "type": "null"
              }
            ]
          },
          "items": {
            "items": {
              "properties": {
                "examples": {
                  "maximum": 3,
                  "type": "integer"
                }
              },
              "type": "object"
            },
            "type": "array"
          },
          "mode": {
            "default": {
              "description": "data, not prose"
            },
            "enum": [
              "a",
              "b"
            ]
          },
          "title": {
            "minLength": 1,
            "type": "string"
          }
        },
        "required": [
          "title"
        ],
        "type": "object"
      }
    },
    "securitySchemes": {
      "CustomHTTPBearer": {
        "scheme": "bearer",
        "type": "http"
      }
    }
  },
  "info": {
    "title": "Diga API",
    "version": "0.1.0",
    "x-upstream": "Diga-io/docs api-reference/openapi.json @ abc1234 (2026-07-22)"
  },
  "openapi": "3.1.0",
  "paths": {
    "/v1/workflow/{flow_id}": {
      "get": {
        "operationId": "get_flow",
        "parameters": [
          {
            "in": "path",
            "name": "flow_id",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Thing"
                }
              }
            },
            "description": ""
          },
          "404": {
            "description": ""
          }
        },
        "security": [
          {
            "CustomHTTPBearer": []
          }
        ]
      }
    }
  },
  "servers": [
    {
      "url": "https://api.diga.io"
    }
  ]
}
`
	if string(out) != want {
		t.Errorf("Reduce output:\n%s\nwant:\n%s", out, want)
	}
}

func TestReduceIsDeterministicAndIdempotent(t *testing.T) {
	t.Parallel()
	const rev = "r @ 1"
	a, err := Reduce([]byte(sample), rev)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		b, err := Reduce([]byte(sample), rev)
		if err != nil || !bytes.Equal(a, b) {
			t.Fatalf("second run differs (err %v)", err)
		}
	}
	// Key order of the input does not matter.
	var doc map[string]any
	dec := json.NewDecoder(strings.NewReader(sample))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	reordered, _ := json.Marshal(doc) // sorted keys
	c, err := Reduce(reordered, rev)
	if err != nil || !bytes.Equal(a, c) {
		t.Errorf("reordered input gives a different output (err %v)", err)
	}
	// Reducing the output again changes nothing.
	d, err := Reduce(a, rev)
	if err != nil || !bytes.Equal(a, d) {
		t.Errorf("Reduce is not idempotent (err %v):\n%s", err, d)
	}
	ops, err := Operations(a)
	if err != nil || strings.Join(ops, ",") != "GET /v1/workflow/{flow_id}" {
		t.Errorf("Operations = %v, %v", ops, err)
	}
}

func TestReduceRejects(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ spec, rev string }{
		"no revision":   {sample, " "},
		"not JSON":      {"{", "r"},
		"OpenAPI 3.0":   {`{"openapi":"3.0.3","paths":{"/v1/workflow/":{}}}`, "r"},
		"no workflow":   {`{"openapi":"3.1.0","paths":{"/v1/call/":{}}}`, "r"},
		"empty openapi": {`{}`, "r"},
	} {
		if _, err := Reduce([]byte(tc.spec), tc.rev); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

const agentsSample = `{
  "openapi": "3.1.0",
  "info": {"title": "agents", "version": "0.1.0"},
  "paths": {
    "/v1/agent/{agent_id}": {
      "get": {"summary": "Get", "operationId": "get_agent",
        "parameters": [{"name": "agent_id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid", "title": "Agent Id"}}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Agent"}}}}}},
      "delete": {"responses": {"204": {"description": "gone"}}}
    }
  },
  "components": {
    "schemas": {
      "Agent": {"type": "object", "title": "Agent", "properties": {"voice": {"$ref": "#/components/schemas/Voice"}, "thing": {"$ref": "#/components/schemas/Thing"}}},
      "Voice": {"type": "object", "description": "prose", "properties": {"id": {"type": "string"}}},
      "Thing": {
        "type": "object", "title": "Thing", "description": "other prose",
        "required": ["title"],
        "properties": {
          "title": {"type": "string", "title": "Title", "minLength": 1},
          "description": {"anyOf": [{"type": "string"}, {"type": "null"}]},
          "mode": {"enum": ["a", "b"], "default": {"description": "data, not prose"}},
          "items": {"type": "array", "items": {"type": "object", "properties": {"examples": {"type": "integer", "maximum": 3}}}}
        }
      },
      "Unused": {"type": "string"}
    },
    "securitySchemes": {"CustomHTTPBearer": {"type": "http", "scheme": "bearer"}}
  }
}`

func TestAddOperations(t *testing.T) {
	t.Parallel()
	base, err := Reduce([]byte(sample), "w @ 1")
	if err != nil {
		t.Fatal(err)
	}
	out, err := AddOperations(base, []byte(agentsSample), []string{"GET /v1/agent/{agent_id}"}, "x-upstream-agents", "a @ 2")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Info       map[string]string                    `json:"info"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Info["x-upstream"] != "w @ 1" || doc.Info["x-upstream-agents"] != "a @ 2" {
		t.Errorf("info = %v", doc.Info)
	}
	ops, _ := Operations(out)
	if strings.Join(ops, ",") != "GET /v1/agent/{agent_id},GET /v1/workflow/{flow_id}" {
		t.Errorf("operations = %v (DELETE was not asked for)", ops)
	}
	if _, ok := doc.Paths["/v1/agent/{agent_id}"]["get"]["summary"]; ok {
		t.Error("the added operation keeps its prose")
	}
	for _, name := range []string{"Agent", "Voice", "Thing"} {
		if doc.Components.Schemas[name] == nil {
			t.Errorf("schema %s (referenced) is missing", name)
		}
	}
	if doc.Components.Schemas["Unused"] != nil {
		t.Error("a schema no added operation references was added")
	}
	if _, ok := doc.Components.Schemas["Voice"]["description"]; ok {
		t.Error("an added schema keeps its prose")
	}
	again, err := AddOperations(out, []byte(agentsSample), []string{"GET /v1/agent/{agent_id}"}, "x-upstream-agents", "a @ 2")
	if err != nil || !bytes.Equal(out, again) {
		t.Errorf("adding again changes the document (err %v)", err)
	}
}

func TestAddOperationsRejects(t *testing.T) {
	t.Parallel()
	base, err := Reduce([]byte(sample), "w @ 1")
	if err != nil {
		t.Fatal(err)
	}
	conflict := strings.Replace(agentsSample, `"minLength": 1`, `"minLength": 2`, 1)
	for name, tc := range map[string]struct {
		spec string
		ops  []string
		key  string
		rev  string
	}{
		"no revision":       {agentsSample, []string{"GET /v1/agent/{agent_id}"}, "x-a", " "},
		"key without x-":    {agentsSample, []string{"GET /v1/agent/{agent_id}"}, "upstream", "r"},
		"unknown operation": {agentsSample, []string{"POST /v1/agent/{agent_id}"}, "x-a", "r"},
		"malformed op":      {agentsSample, []string{"/v1/agent/{agent_id}"}, "x-a", "r"},
		"schema conflict":   {conflict, []string{"GET /v1/agent/{agent_id}"}, "x-a", "r"},
		"not JSON":          {"{", []string{"GET /v1/agent/{agent_id}"}, "x-a", "r"},
	} {
		if _, err := AddOperations(base, []byte(tc.spec), tc.ops, tc.key, tc.rev); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
