// Package enginecheck checks flow-import request bodies (POST
// /v1/workflow/{id}/import) against the code of the engine Diga runs flows
// on: Activepieces' own published flow schemas and flow operations, the npm
// package @activepieces/shared at the versions pinned in node/package.json
// (npm aliases, one per version: 0.96.2, the zod line, and 0.37.0, the last
// TypeBox release). The emulator is this project's reading of Diga's
// contract; this package asks the engine itself.
//
// For each body and each pinned version, node/check.js reports:
//
//   - whether the version's ImportFlowRequest schema accepts the body as
//     sent (Verdict.Accepted, Verdict.SchemaErrors with their paths);
//   - whether flowOperations.apply of IMPORT_FLOW to an empty draft flow
//     version succeeds or throws (Verdict.ImportError, and the expanded
//     operation that threw in Verdict.ImportOperation);
//   - the steps sent and the steps of the resulting draft: a step present in
//     the body and absent after the import is dropped (Verdict.Dropped), as
//     a LOOP_ON_ITEMS body written under children instead of firstLoopAction
//     is;
//   - every step of the resulting draft (trigger included) whose valid flag
//     is false, with the reason: the step's schema re-run on it, and whether
//     it was sent with valid false (Verdict.Invalid).
//
// It is test support: only _test.go files import it (depguard rule
// no-test-doubles-in-production). Check runs node once per batch; node
// missing, or node_modules missing or stale (make engine-deps installs
// them), is an error, never a skip.
package enginecheck

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// Body is one import request body to check.
type Body struct {
	// ID names the body in the caller's terms (a test name, a file); it is
	// copied to the Result unchanged.
	ID string
	// Body is the request body exactly as sent.
	Body json.RawMessage
}

// Result is the engine's verdict on one Body, one Verdict per pinned
// version, newest first.
type Result struct {
	ID string
	// Error is set when the body could not be checked at all (it is not
	// JSON); Versions is empty then.
	Error    string
	Versions []Verdict
}

// Verdict is what one version of the engine makes of a body.
type Verdict struct {
	// Version is the @activepieces/shared version, e.g. "0.96.2".
	Version string `json:"version"`
	// CheckError is set when the checker itself failed on this body; the
	// other fields are then empty.
	CheckError string `json:"checkError"`
	// Accepted: ImportFlowRequest accepts the body as sent.
	Accepted     bool    `json:"accepted"`
	SchemaErrors []Issue `json:"schemaErrors"`
	// ImportError is what IMPORT_FLOW on an empty draft threw ("" when it
	// applied); ImportOperation the operation of its expansion that threw
	// (e.g. `ADD_ACTION "notify" (AFTER "trigger")`), when known.
	ImportError     string `json:"importError"`
	ImportOperation string `json:"importOperation"`
	// ImportErrors lists, when the import threw, every operation of its
	// expansion that throws when a replay of the expansion goes on past
	// each one (the first is ImportOperation's). Partial is then true, and
	// StepsAfter, Dropped and Invalid describe that replay's draft (the
	// steps whose own operation threw are not counted as dropped): what
	// else is wrong with the body, not a draft the engine would keep.
	ImportErrors []OperationError `json:"importErrors"`
	Partial      bool             `json:"partial"`
	// StepsSent and StepsAfter name every step (trigger excluded) of the
	// body and of the resulting draft, depth first. Dropped lists the steps
	// sent that the draft does not have.
	StepsSent  []string      `json:"stepsSent"`
	StepsAfter []string      `json:"stepsAfter"`
	Dropped    []DroppedStep `json:"dropped"`
	// Invalid lists the steps of the resulting draft (trigger included)
	// whose valid flag is false.
	Invalid []InvalidStep `json:"invalid"`
	// FlowValid is the resulting draft's own valid flag.
	FlowValid bool `json:"flowValid"`
	// Trigger is the resulting draft's trigger tree (null when the import
	// threw).
	Trigger json.RawMessage `json:"trigger"`
}

// Issue is one schema error: a path ("trigger.settings.propertySettings",
// relative to the body, or to the step for an InvalidStep) and what is wrong
// there.
type Issue struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// OperationError is an operation of IMPORT_FLOW's expansion and what it
// threw.
type OperationError struct {
	Operation string `json:"operation"`
	Error     string `json:"error"`
}

// DroppedStep is a step of the body the import left out, and where it was
// sent ("loop_1.children[0]").
type DroppedStep struct {
	Step string `json:"step"`
	At   string `json:"at"`
}

// InvalidStep is a step the import stored with valid false. SentInvalid: the
// body sent it with valid false (the engine keeps that). Issues: why.
type InvalidStep struct {
	Step string `json:"step"`
	// Trigger: the step is the trigger.
	Trigger     bool    `json:"trigger"`
	SentInvalid bool    `json:"sentInvalid"`
	Issues      []Issue `json:"issues"`
}

// ImportBody is the import request body for a trigger tree, as the client
// sends it: {"displayName": …, "trigger": …}.
func ImportBody(displayName string, trigger json.RawMessage) json.RawMessage {
	name, _ := json.Marshal(displayName)
	// Written out rather than marshalled so that an invalid trigger stays
	// as it is, for Check to report.
	body := append([]byte(`{"displayName":`), name...)
	body = append(body, `,"trigger":`...)
	body = append(body, trigger...)
	return append(body, '}')
}

// Check runs the engine check over bodies in one node process and returns
// one Result per body, in order. It fails when node, the checker or its
// node_modules are missing (run make engine-deps) or stale.
func Check(ctx context.Context, bodies []Body) ([]Result, error) {
	dir, err := NodeDir()
	if err != nil {
		return nil, err
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, errors.New("enginecheck: node (Node.js ≥ 20) is not on PATH; the engine check needs it (see CONTRIBUTING.md)")
	}
	results := make([]Result, len(bodies))
	var in bytes.Buffer
	sent := 0
	for i, b := range bodies {
		results[i].ID = b.ID
		var compact bytes.Buffer
		if err := json.Compact(&compact, b.Body); err != nil {
			results[i].Error = "the body is not JSON: " + err.Error()
			continue
		}
		line, _ := json.Marshal(struct {
			ID   string          `json:"id"`
			Body json.RawMessage `json:"body"`
		}{strconv.Itoa(i), compact.Bytes()})
		in.Write(line)
		in.WriteByte('\n')
		sent++
	}
	cmd := exec.CommandContext(ctx, node, "check.js")
	cmd.Dir = dir
	cmd.Stdin = &in
	var out, stderr bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("enginecheck: node %s: %s", filepath.Join(dir, "check.js"), msg)
	}
	got := 0
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<30)
	for sc.Scan() {
		var r struct {
			ID       string    `json:"id"`
			Error    string    `json:"error"`
			Versions []Verdict `json:"versions"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("enginecheck: reading the checker's output: %w", err)
		}
		i, err := strconv.Atoi(r.ID)
		if err != nil || i < 0 || i >= len(results) || r.Error != "" || len(r.Versions) == 0 {
			return nil, fmt.Errorf("enginecheck: unexpected answer from the checker: %s", sc.Bytes())
		}
		results[i].Versions = r.Versions
		got++
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("enginecheck: reading the checker's output: %w", err)
	}
	if got != sent {
		return nil, fmt.Errorf("enginecheck: the checker answered %d of %d bodies", got, sent)
	}
	return results, nil
}

// CheckOne is Check for one body.
func CheckOne(ctx context.Context, id string, body json.RawMessage) (Result, error) {
	rs, err := Check(ctx, []Body{{ID: id, Body: body}})
	if err != nil {
		return Result{}, err
	}
	return rs[0], nil
}

// NodeDir is the folder of the node checker (package.json, its lock file,
// check.js and, once make engine-deps ran, node_modules).
func NodeDir() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok {
		dir := filepath.Join(filepath.Dir(file), "node")
		if fileExists(filepath.Join(dir, "check.js")) {
			return dir, nil
		}
	}
	// Built with -trimpath: find the module root from the working directory
	// (go test runs in the package's folder).
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("enginecheck: %w", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if fileExists(filepath.Join(d, "go.mod")) {
			dir := filepath.Join(d, "internal", "enginecheck", "node")
			if fileExists(filepath.Join(dir, "check.js")) {
				return dir, nil
			}
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return "", errors.New("enginecheck: internal/enginecheck/node/check.js not found")
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
