package emulator

import (
	"fmt"
	"strings"
)

// What Diga does between its API and the Activepieces engine is undocumented
// in places. Each plausible reading the provider must survive is a mode of
// the emulator, chosen per Server; see BEHAVIOUR.md ("Modes").

// ImportMode is how POST …/import turns the request's trigger tree into the
// stored draft (and, in ImportEngine, how the other tree writes behave).
type ImportMode int

const (
	// ImportLenient is the emulator's own reading (the default): the tree is
	// stored as sent plus server-owned keys, a loop body may come in
	// firstLoopAction or children[0], valid is recomputed by the emulator's
	// lenient rules and does not block publishing.
	ImportLenient ImportMode = iota
	// ImportEngine applies the import as Activepieces' IMPORT_FLOW does:
	// trigger found by name, loop bodies read only from firstLoopAction,
	// pieceVersion required (500 otherwise) and stored exact, valid = sent
	// valid && the engine's schema && the piece catalogue, and publishing
	// refused while a non-skipped step is invalid.
	ImportEngine
)

// ResponseMode is how trigger trees are rendered in flow answers.
type ResponseMode int

const (
	// ResponseDeclared renders trees through the documented response models
	// (the default): undeclared keys dropped, declared ones absent → null; a
	// loop body (firstLoopAction or children[0]) is shown as children[0].
	ResponseDeclared ResponseMode = iota
	// ResponseFull returns the stored tree itself, keys sorted: a server
	// looser than its contract (it violates the closed response models).
	ResponseFull
	// ResponseDeclaredNoLoopBodies is ResponseDeclared except that a
	// LOOP_ON_ITEMS step's children are always null: a Diga passing
	// Activepieces' tree through the models, where firstLoopAction is
	// undeclared, so loop bodies are not shown at all.
	ResponseDeclaredNoLoopBodies
)

var (
	importModeNames   = []string{ImportLenient: "lenient", ImportEngine: "engine"}
	responseModeNames = []string{ResponseDeclared: "declared", ResponseFull: "full", ResponseDeclaredNoLoopBodies: "declared-no-loop-bodies"}
)

// ImportModeNames lists the names ParseImportMode accepts, default first.
func ImportModeNames() []string { return append([]string(nil), importModeNames...) }

// ResponseModeNames lists the names ParseResponseMode accepts, default first.
func ResponseModeNames() []string { return append([]string(nil), responseModeNames...) }

func (m ImportMode) String() string {
	if m >= 0 && int(m) < len(importModeNames) {
		return importModeNames[m]
	}
	return fmt.Sprintf("ImportMode(%d)", int(m))
}

func (m ResponseMode) String() string {
	if m >= 0 && int(m) < len(responseModeNames) {
		return responseModeNames[m]
	}
	return fmt.Sprintf("ResponseMode(%d)", int(m))
}

// ParseImportMode reads an import mode name (ImportModeNames), case-insensitively.
func ParseImportMode(s string) (ImportMode, error) {
	for i, n := range importModeNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return ImportMode(i), nil
		}
	}
	return 0, fmt.Errorf("unknown import mode %q (want %s)", s, strings.Join(importModeNames, ", "))
}

// ParseResponseMode reads a response mode name (ResponseModeNames), case-insensitively.
func ParseResponseMode(s string) (ResponseMode, error) {
	for i, n := range responseModeNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return ResponseMode(i), nil
		}
	}
	return 0, fmt.Errorf("unknown response mode %q (want %s)", s, strings.Join(responseModeNames, ", "))
}

// WithImportMode chooses how imports (and, in ImportEngine, the other tree
// writes) are applied. An unknown value panics.
func WithImportMode(m ImportMode) Option {
	if m < 0 || int(m) >= len(importModeNames) {
		panic("emulator: WithImportMode: " + m.String())
	}
	return func(s *Server) { s.importMode = m }
}

// WithResponseMode chooses how trigger trees are rendered in flow answers.
// An unknown value panics.
func WithResponseMode(m ResponseMode) Option {
	if m < 0 || int(m) >= len(responseModeNames) {
		panic("emulator: WithResponseMode: " + m.String())
	}
	return func(s *Server) { s.responseMode = m }
}

// Environment variables read by ModeOptionsFromEnv.
const (
	// EnvImportMode names an import mode (ImportModeNames).
	EnvImportMode = "DIGA_EMULATOR_IMPORT_MODE"
	// EnvResponseMode names a response mode (ResponseModeNames).
	EnvResponseMode = "DIGA_EMULATOR_RESPONSE_MODE"
	// EnvAgentFlowMode names an agent flow mode (AgentFlowModeNames).
	EnvAgentFlowMode = "DIGA_EMULATOR_AGENT_FLOW_MODE"
	// EnvStrict set to 1 (or true) means ImportEngine with
	// ResponseDeclaredNoLoopBodies and AgentFlowsChecked, the strictest
	// reading; the variables above, when set, override its parts.
	EnvStrict = "DIGA_EMULATOR_STRICT"
)

// ModeOptionsFromEnv turns EnvStrict, EnvImportMode, EnvResponseMode and
// EnvAgentFlowMode,
// read through getenv (os.Getenv), into options; none set gives none (the
// defaults). Test helpers put them before their own options, so a test
// that chooses a mode explicitly keeps it.
func ModeOptionsFromEnv(getenv func(string) string) ([]Option, error) {
	var opts []Option
	switch v := strings.TrimSpace(getenv(EnvStrict)); strings.ToLower(v) {
	case "", "0", "false":
	case "1", "true":
		opts = append(opts, WithImportMode(ImportEngine), WithResponseMode(ResponseDeclaredNoLoopBodies), WithAgentFlowMode(AgentFlowsChecked))
	default:
		return nil, fmt.Errorf("%s=%q: want 1 or 0", EnvStrict, v)
	}
	if v := getenv(EnvImportMode); v != "" {
		m, err := ParseImportMode(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvImportMode, err)
		}
		opts = append(opts, WithImportMode(m))
	}
	if v := getenv(EnvResponseMode); v != "" {
		m, err := ParseResponseMode(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvResponseMode, err)
		}
		opts = append(opts, WithResponseMode(m))
	}
	if v := getenv(EnvAgentFlowMode); v != "" {
		m, err := ParseAgentFlowMode(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvAgentFlowMode, err)
		}
		opts = append(opts, WithAgentFlowMode(m))
	}
	return opts, nil
}
