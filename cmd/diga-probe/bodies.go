package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

// The import bodies the probe sends. Every step is a CODE, LOOP_ON_ITEMS,
// ROUTER or (in c and e only) a PIECE step of the Diga piece, so no
// connection is needed; nothing is published or enabled, so none of them
// ever runs. Step names start with the probe's id so that a GET can tell
// which import it shows.

const (
	digaPiece          = "@diga/piece-diga"
	defaultDigaTrigger = "call_finished"
	defaultDigaAction  = "make_call"
	// neverSentStep is the control of the sample-data look-up (b): a step
	// name no import ever contained.
	neverSentStep = "b_never_sent"
)

// codeStep is a CODE step in the short form (no packageJson, input,
// valid, displayName, lastUpdatedDate).
func codeStep(name, code string) map[string]any {
	return map[string]any{
		"name": name, "type": "CODE",
		"settings": map[string]any{"sourceCode": map[string]any{"code": code}},
	}
}

// completeTree is flowdef.EngineTree of a short definition: what the
// provider sends.
func completeTree(short map[string]any, pieces map[string]*flowdef.PieceSpec, now time.Time) (map[string]any, error) {
	raw, err := json.Marshal(short)
	if err != nil {
		return nil, err
	}
	def, err := flowdef.ParseDefinition(string(raw))
	if err != nil {
		return nil, err
	}
	for _, p := range def.Problems() {
		if !p.Warning {
			return nil, fmt.Errorf("probe body: %s", p)
		}
	}
	return def.EngineTree(flowdef.EngineOptions{Pieces: pieces, Now: now})
}

// emptyTrigger heads every complete tree: an EMPTY trigger needs no piece.
func emptyTrigger(next map[string]any) map[string]any {
	return map[string]any{"type": "EMPTY", "settings": map[string]any{}, "nextAction": next}
}

// loopTree is CODE → LOOP_ON_ITEMS (body: one CODE step, in
// firstLoopAction) → ROUTER (two branches: a CODE step, and an empty
// fallback), its step names prefixed with p.
func loopTree(p string) map[string]any {
	router := map[string]any{
		"name": p + "_router", "type": "ROUTER",
		"settings": map[string]any{"branches": []any{
			map[string]any{"branchName": "Always", "branchType": "CONDITION", "conditions": []any{[]any{
				map[string]any{"firstValue": "1", "operator": "TEXT_EXACTLY_MATCHES", "secondValue": "1", "caseSensitive": false},
			}}},
			map[string]any{"branchName": "Otherwise", "branchType": "FALLBACK"},
		}},
		"children": []any{codeStep(p+"_branch", "export const code = async () => 'branch'"), nil},
	}
	loop := map[string]any{
		"name": p + "_loop", "type": "LOOP_ON_ITEMS",
		"settings":        map[string]any{"items": "{{" + p + "_code}}"},
		"firstLoopAction": codeStep(p+"_loop_body", "export const code = async () => 'body'"),
		"nextAction":      router,
	}
	first := codeStep(p+"_code", "export const code = async () => [1, 2]")
	first["nextAction"] = loop
	return emptyTrigger(first)
}

// bodyD is the complete engine tree of loopTree("d").
func bodyD(now time.Time) (map[string]any, error) {
	return completeTree(loopTree("d"), nil, now)
}

// bodyB is bodyD's shape (prefix b) with the loop body moved from
// firstLoopAction into children, everything else complete.
func bodyB(now time.Time) (map[string]any, error) {
	t, err := completeTree(loopTree("b"), nil, now)
	if err != nil {
		return nil, err
	}
	loop := findStep(t, "b_loop")
	if loop == nil {
		return nil, fmt.Errorf("probe body b: no loop")
	}
	loop["children"] = []any{loop["firstLoopAction"]}
	delete(loop, "firstLoopAction")
	return t, nil
}

// pieceTree is an EMPTY trigger and one PIECE step of the Diga piece,
// complete, with the given pieceVersion ("" = none at all).
func pieceTree(name, action, version string, now time.Time) (map[string]any, error) {
	stand := version
	if stand == "" {
		stand = "0.0.0" // removed below: EngineTree needs one to build
	}
	step := map[string]any{
		"name": name, "type": "PIECE",
		"settings": map[string]any{"pieceName": digaPiece, "actionName": action, "pieceVersion": stand, "input": map[string]any{}},
	}
	t, err := completeTree(emptyTrigger(step), nil, now)
	if err != nil {
		return nil, err
	}
	if version == "" {
		s := findStep(t, name)
		delete(s["settings"].(map[string]any), "pieceVersion")
	}
	return t, nil
}

// bodyA1 is the short form as people write it: a Diga piece trigger
// without name, pieceVersion, valid or displayName, and a CODE step
// without valid, displayName, lastUpdatedDate or packageJson.
func bodyA1(trigger string) map[string]any {
	return map[string]any{
		"type":       "PIECE_TRIGGER",
		"settings":   map[string]any{"pieceName": digaPiece, "triggerName": trigger},
		"nextAction": codeStep("a1_code", "export const code = async () => 'a1'"),
	}
}

// bodyA2 is the short form with an EMPTY trigger: only the trigger's name
// (and the bookkeeping) is missing, no piece is involved.
func bodyA2() map[string]any {
	return map[string]any{
		"type":       "EMPTY",
		"settings":   map[string]any{},
		"nextAction": codeStep("a2_code", "export const code = async () => 'a2'"),
	}
}
