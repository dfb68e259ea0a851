package emulator

import (
	"encoding/json"
	"math/big"
	"strings"
)

// The editable fields of an agent (AgentRequest, AgentUpdateRequest),
// validated one by one like pydantic would and stored under the name the
// answer (AgentResponseSchema) gives them: voice_id becomes the voice
// object, integrations gain their response fields.

// agentFieldKind is how one field is validated.
type agentFieldKind int

const (
	kindOptStr          agentFieldKind = iota // str | None
	kindOptNumber                             // float | None
	kindInt                                   // int (not nullable), with optional bounds
	kindBool                                  // bool (not nullable)
	kindEnum                                  // one of enum (not nullable)
	kindOptEnum                               // one of enum | None
	kindStrList                               // list[str] (not nullable)
	kindOptUUIDList                           // list[UUID] | None
	kindOptUUID                               // UUID | None
	kindOptObject                             // dict | None
	kindOptIntegrations                       // list[IntegrationToolsRequest] | None → list in answers
	kindOptCallTools                          // list[TransferCallTool | HangUpTool] | None → list in answers
)

type agentFieldSpec struct {
	name     string
	kind     agentFieldKind
	enum     []string
	min, max *int64
	// def is the value of a new agent's draft.
	def any
}

var (
	agentModes        = []string{"free", "path"}
	agentLanguages    = []string{"es", "en", "multi", "ar", "be", "bn", "bs", "bg", "ca", "hr", "cs", "da", "nl", "et", "fi", "nl-BE", "fr", "de", "de-CH", "el", "he", "hi", "hu", "id", "it", "ja", "kn", "ko", "lv", "lt", "mk", "ms", "mr", "no", "fa", "pl", "pt", "ro", "ru", "sr", "sk", "sl", "sv", "tl", "ta", "te", "tr", "uk", "ur", "vi"}
	backgroundAudios  = []string{"call_center", "cafe", "road_traffic", "park", "office", "car_garage"}
	voicemailActions  = []string{"leave_message", "hang_up"}
	phoneMenuActions  = []string{"navigate", "hang_up"}
	phoneMenuNavModes = []string{"goal", "key_sequence"}
	transferTypes     = []string{"transfer", "invite"}
)

func bound(n int64) *int64 { return &n }

// agentFieldSpecs are the editable fields in AgentResponseSchema's order
// (voice stands for the request's voice_id; flows are kept apart). The
// bounds are AgentRequest's; the emulator holds updates to them too, so
// that no answer breaks AgentResponseSchema's.
var agentFieldSpecs = []agentFieldSpec{
	{name: "name", kind: kindOptStr},
	{name: "prompt", kind: kindOptStr, def: ""},
	{name: "greeting", kind: kindOptStr},
	{name: "time_before_start", kind: kindOptNumber},
	{name: "voice"},
	{name: "volume", kind: kindInt, min: bound(0), max: bound(100), def: 50},
	{name: "language", kind: kindEnum, enum: agentLanguages, def: "es"},
	{name: "max_reminder_count", kind: kindInt, min: bound(0), def: 3},
	{name: "reminder_frequency_ms", kind: kindInt, min: bound(1000), def: 7500},
	{name: "reminder_messages", kind: kindStrList, def: []any{}},
	{name: "knowledge_base_ids", kind: kindOptUUIDList, def: []any{}},
	{name: "knowledge_item_ids", kind: kindOptUUIDList, def: []any{}},
	{name: "mode", kind: kindEnum, enum: agentModes, def: "free"},
	{name: "conversational_path_id", kind: kindOptUUID},
	{name: "integrations", kind: kindOptIntegrations, def: []any{}},
	{name: "call_tools", kind: kindOptCallTools, def: []any{}},
	{name: "dynamic_variables", kind: kindOptObject, def: map[string]any{}},
	{name: "background_audio", kind: kindOptEnum, enum: backgroundAudios},
	{name: "voicemail_detection", kind: kindBool, def: false},
	{name: "voicemail_action", kind: kindEnum, enum: voicemailActions, def: "leave_message"},
	{name: "voicemail_message", kind: kindOptStr},
	{name: "phone_menu_detection", kind: kindBool, def: false},
	{name: "phone_menu_action", kind: kindEnum, enum: phoneMenuActions, def: "navigate"},
	{name: "phone_menu_navigation_mode", kind: kindEnum, enum: phoneMenuNavModes, def: "goal"},
	{name: "phone_menu_goal", kind: kindOptStr},
	{name: "phone_menu_key_sequence", kind: kindOptStr},
}

// defaultVoiceID is the voice of agents made without one (AddAgent).
const defaultVoiceID = "6f1d2c3b-4a59-4e8f-9b7a-0c1d2e3f4a5b"

// voiceObject is the VoiceResponseSchema of a voice id: the emulator has no
// voice catalogue, so every UUID is a voice of its own.
func voiceObject(id string) map[string]any {
	name := "Voice " + id[:8]
	if id == defaultVoiceID {
		name = "Lucía"
	}
	return map[string]any{
		"id": id, "name": name, "provider": "elevenlabs", "provider_voice_id": "ev_" + strings.ReplaceAll(id, "-", "")[:20],
		"preview_urls": nil, "gender": nil, "is_favourite": false,
	}
}

// defaultAgentFields are a new draft's fields.
func defaultAgentFields() map[string]any {
	out := map[string]any{"voice": voiceObject(defaultVoiceID)}
	for _, spec := range agentFieldSpecs {
		if spec.name != "voice" {
			out[spec.name] = deepCopyJSON(spec.def)
		}
	}
	return out
}

// uuidOf is parseUUID (catalog.go) as a yes or no.
func uuidOf(s string) (string, bool) {
	id, msg := parseUUID(strings.ToValidUTF8(s, "\uFFFD"))
	return id, msg == ""
}

// uuidError is pydantic's error for a value that is not a UUID.
func uuidError(loc []any, v any) validationError {
	s, ok := v.(string)
	if !ok {
		return validationError{Type: "uuid_type", Loc: loc, Msg: "UUID input should be a string, bytes or UUID object", Input: v}
	}
	var errs []validationError
	uuidParam(loc, s, &errs)
	return errs[0]
}

// agentUpdate validates the fields of body present in it (every editable
// field, voice_id and flow_ids) and returns them ready to store; flowIDs is
// non-nil when flow_ids was given and not null. Field order in errors is
// body order of AgentUpdateRequest.
type agentUpdate struct {
	fields  map[string]any
	flowIDs []string
	// flowLocs: the index in flow_ids of each kept id.
	flowLocs []int
}

func validateAgentFields(obj map[string]any, errs *[]validationError) agentUpdate {
	f := fields{obj: obj, loc: []any{"body"}, errs: errs}
	up := agentUpdate{fields: map[string]any{}}
	for _, spec := range agentFieldSpecs {
		if spec.name == "voice" {
			if v, ok := obj["voice_id"]; ok {
				if s, isStr := v.(string); isStr {
					if id, ok := uuidOf(s); ok {
						up.fields["voice"] = voiceObject(id)
						continue
					}
				}
				f.add(uuidError(appendLoc(f.loc, "voice_id"), v))
			}
			continue
		}
		v, ok := obj[spec.name]
		if !ok {
			continue
		}
		if out, ok := spec.validate(f, v); ok {
			up.fields[spec.name] = out
		}
	}
	if v, ok := obj["flow_ids"]; ok && v != nil {
		list, isList := v.([]any)
		if !isList {
			f.add(listTypeError(appendLoc(f.loc, "flow_ids"), v))
			return up
		}
		up.flowIDs = []string{}
		seen := map[string]bool{}
		for i, item := range list {
			s, isStr := item.(string)
			if !isStr {
				f.add(validationError{Type: "string_type", Loc: appendLoc(f.loc, "flow_ids", i), Msg: "Input should be a valid string", Input: item})
				continue
			}
			if !seen[s] {
				seen[s] = true
				up.flowIDs = append(up.flowIDs, s)
				up.flowLocs = append(up.flowLocs, i)
			}
		}
	}
	return up
}

// validate checks one present value and returns what is stored.
func (spec agentFieldSpec) validate(f fields, v any) (any, bool) {
	loc := appendLoc(f.loc, spec.name)
	fail := func(e validationError) (any, bool) { f.add(e); return nil, false }
	if v == nil {
		switch spec.kind {
		case kindOptStr, kindOptNumber, kindOptEnum, kindOptUUIDList, kindOptUUID, kindOptObject:
			return nil, true
		case kindOptIntegrations, kindOptCallTools:
			// Answers declare these lists not nullable: null clears them.
			return []any{}, true
		}
	}
	switch spec.kind {
	case kindOptStr:
		if _, ok := v.(string); !ok {
			return fail(validationError{Type: "string_type", Loc: loc, Msg: "Input should be a valid string", Input: v})
		}
		return v, true
	case kindOptNumber:
		if _, ok := v.(json.Number); !ok {
			return fail(validationError{Type: "float_type", Loc: loc, Msg: "Input should be a valid number", Input: v})
		}
		return v, true
	case kindInt:
		n, ok := f.checkInt(spec.name, v)
		if !ok {
			return nil, false
		}
		if spec.min != nil && n.Cmp(big.NewInt(*spec.min)) < 0 {
			return fail(validationError{Type: "greater_than_equal", Loc: loc, Msg: "Input should be greater than or equal to " + itoa64(*spec.min), Input: v, Ctx: map[string]any{"ge": *spec.min}})
		}
		if spec.max != nil && n.Cmp(big.NewInt(*spec.max)) > 0 {
			return fail(validationError{Type: "less_than_equal", Loc: loc, Msg: "Input should be less than or equal to " + itoa64(*spec.max), Input: v, Ctx: map[string]any{"le": *spec.max}})
		}
		return json.Number(n.String()), true
	case kindBool:
		b, ok := v.(bool)
		if !ok {
			return fail(boolTypeError(loc, v))
		}
		return b, true
	case kindEnum, kindOptEnum:
		if s, ok := v.(string); ok {
			for _, allowed := range spec.enum {
				if s == allowed {
					return s, true
				}
			}
		}
		return fail(enumError(loc, v, spec.enum))
	case kindStrList:
		list, ok := v.([]any)
		if !ok {
			return fail(listTypeError(loc, v))
		}
		good := true
		for i, item := range list {
			if _, ok := item.(string); !ok {
				f.add(validationError{Type: "string_type", Loc: appendLoc(loc, i), Msg: "Input should be a valid string", Input: item})
				good = false
			}
		}
		return deepCopyJSON(list), good
	case kindOptUUIDList:
		return uuidList(f, loc, v)
	case kindOptUUID:
		if s, ok := v.(string); ok {
			if id, ok := uuidOf(s); ok {
				return id, true
			}
		}
		return fail(uuidError(loc, v))
	case kindOptObject:
		m, ok := v.(map[string]any)
		if !ok {
			return fail(dictTypeError(loc, v))
		}
		return deepCopyJSON(m), true
	case kindOptIntegrations:
		return integrations(f, loc, v)
	case kindOptCallTools:
		return callTools(f, loc, v)
	}
	return nil, false
}

func uuidList(f fields, loc []any, v any) (any, bool) {
	list, ok := v.([]any)
	if !ok {
		f.add(listTypeError(loc, v))
		return nil, false
	}
	out := make([]any, 0, len(list))
	good := true
	for i, item := range list {
		s, _ := item.(string)
		id, ok := uuidOf(s)
		if !ok {
			f.add(uuidError(appendLoc(loc, i), item))
			good = false
			continue
		}
		out = append(out, id)
	}
	return out, good
}

// integrations validates list[IntegrationToolsRequest] and returns the
// IntegrationToolsResponse items answers show (the emulator names each
// integration after its id; none needs setup).
func integrations(f fields, loc []any, v any) (any, bool) {
	return objectItems(f, loc, v, func(at []any, m map[string]any) (any, bool) {
		var errs []validationError
		g := fields{obj: m, loc: at, errs: &errs}
		var id string
		if raw, ok := g.get("integration_id"); ok {
			s, _ := raw.(string)
			if id, ok = uuidOf(s); !ok {
				g.add(uuidError(appendLoc(at, "integration_id"), raw))
			}
		}
		var tools any
		if raw, ok := g.get("tool_ids"); ok {
			tools, _ = uuidList(g, appendLoc(at, "tool_ids"), raw)
		}
		if len(errs) > 0 {
			*f.errs = append(*f.errs, errs...)
			return nil, false
		}
		return map[string]any{
			"integration_id": id, "integration_name": "Integration " + id[:8], "tool_ids": tools,
			"requires_setup": false, "source_integration_template_id": nil,
		}, true
	})
}

// callTools validates the discriminated union of TransferCallToolSchema and
// HangUpToolSchema (both closed) and fills their defaults.
func callTools(f fields, loc []any, v any) (any, bool) {
	return objectItems(f, loc, v, func(at []any, m map[string]any) (any, bool) {
		typ, hasType := m["type"]
		tag, _ := typ.(string)
		var allowed []string
		switch {
		case !hasType:
			f.add(validationError{Type: "union_tag_not_found", Loc: at, Msg: "Unable to extract tag using discriminator 'type'", Input: m, Ctx: map[string]any{"discriminator": "'type'"}})
			return nil, false
		case tag == "transfer_call":
			allowed = []string{"type", "name", "target_number", "transfer_type"}
		case tag == "hang_up":
			allowed = []string{"type", "name"}
		default:
			f.add(validationError{Type: "union_tag_invalid", Loc: at,
				Msg:   "Input tag '" + tag + "' found using 'type' does not match any of the expected tags: 'transfer_call', 'hang_up'",
				Input: m, Ctx: map[string]any{"discriminator": "'type'", "tag": tag, "expected_tags": "'transfer_call', 'hang_up'"}})
			return nil, false
		}
		var errs []validationError
		g := fields{obj: m, loc: appendLoc(at, tag), errs: &errs}
		g.str("name", 0)
		tool := map[string]any{"type": tag, "name": m["name"]}
		if tag == "transfer_call" {
			g.optStr("target_number")
			tool["target_number"] = m["target_number"]
			tool["transfer_type"] = "transfer"
			if tt, ok := m["transfer_type"]; ok {
				if s, _ := tt.(string); s != "transfer" && s != "invite" {
					g.add(enumError(appendLoc(g.loc, "transfer_type"), tt, transferTypes))
				}
				tool["transfer_type"] = tt
			}
		}
		for k, x := range m {
			extra := true
			for _, a := range allowed {
				extra = extra && k != a
			}
			if extra {
				g.add(validationError{Type: "extra_forbidden", Loc: appendLoc(g.loc, k), Msg: "Extra inputs are not permitted", Input: x})
			}
		}
		if len(errs) > 0 {
			*f.errs = append(*f.errs, errs...)
			return nil, false
		}
		return tool, true
	})
}

// objectItems validates a list of objects the way pydantic reports it (a
// list_type error for anything else, model_attributes_type for an item
// that is not an object) and maps each object with item, which reports its
// own errors through f and returns false for an item it refuses.
func objectItems(f fields, loc []any, v any, item func(at []any, m map[string]any) (any, bool)) (any, bool) {
	list, ok := v.([]any)
	if !ok {
		f.add(listTypeError(loc, v))
		return nil, false
	}
	out := make([]any, 0, len(list))
	good := true
	for i, x := range list {
		at := appendLoc(loc, i)
		m, ok := x.(map[string]any)
		if !ok {
			f.add(modelAttributesTypeError(at, x))
			good = false
			continue
		}
		if mapped, ok := item(at, m); ok {
			out = append(out, mapped)
		} else {
			good = false
		}
	}
	return out, good
}
