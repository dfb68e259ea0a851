package emulator

import (
	"net/http"
	"strings"
)

// Handlers run after routing and authentication. Order inside each one
// follows FastAPI: body validation (422) first, then the endpoint body, which
// looks the flow up (404) and applies the operation.

func (c *call) flowID() string { return c.params["flow_id"] }

func (s *Server) notFound(c *call) {
	writeError(c.w, http.StatusNotFound, "FLOW_NOT_FOUND", "Flow "+c.flowID()+" not found")
}

// withFlow runs op on the caller's flow under the lock and answers with the
// resulting FlowAllResponse. op may return a non-nil failure instead.
func (s *Server) withFlow(c *call, status int, sparse bool, op func(*flow) *apiFailure) {
	s.mu.Lock()
	f := s.lookupLocked(c.key, c.flowID())
	if f == nil {
		s.mu.Unlock()
		s.notFound(c)
		return
	}
	if op != nil {
		if fail := op(f); fail != nil {
			s.mu.Unlock()
			if fail.status == http.StatusInternalServerError {
				writeInternalError(c.w)
				return
			}
			if fail.detail != nil {
				write422(c.w, fail.detail)
				return
			}
			writeError(c.w, fail.status, fail.code, fail.message)
			return
		}
	}
	body, err := s.flowJSONLocked(f, sparse)
	s.mu.Unlock()
	if err != nil {
		writeInternalError(c.w)
		return
	}
	writeRaw(c.w, status, "application/json", body)
}

// apiFailure is an error answer decided inside an operation: Diga's error
// envelope, (detail non-nil) a 422 HTTPValidationError found after the
// flow lookup, like the tree checks of an import, or (status 500) an
// exception in the engine, answered like Starlette (internalError).
type apiFailure struct {
	status  int
	code    string
	message string
	detail  []validationError
}

// codeFlowNotPublishable: publish refused (EMPTY trigger; under
// ImportEngine also invalid steps).
const codeFlowNotPublishable = "FLOW_NOT_PUBLISHABLE"

func badRequest(code, message string) *apiFailure {
	return &apiFailure{status: http.StatusBadRequest, code: code, message: message}
}

func unprocessable(errs []validationError) *apiFailure {
	return &apiFailure{status: http.StatusUnprocessableEntity, detail: errs}
}

// POST /v1/workflow/ — CreateFlowRequest{name: str, min_length=1} → 201.
func (s *Server) handleCreate(c *call) {
	obj, ok := decodeBody(c)
	if !ok {
		return
	}
	var errs []validationError
	name, _ := fields{obj: obj, loc: []any{"body"}, errs: &errs}.str("name", 1)
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	s.mu.Lock()
	f := s.createFlowLocked(c.key, name)
	body, err := s.flowJSONLocked(f, false)
	s.mu.Unlock()
	if err != nil {
		writeInternalError(c.w)
		return
	}
	writeRaw(c.w, http.StatusCreated, "application/json", body)
}

// GET /v1/workflow/{flow_id} — the draft view.
func (s *Server) handleGet(c *call) {
	s.withFlow(c, http.StatusOK, false, nil)
}

// DELETE /v1/workflow/{flow_id} — 204, no body.
func (s *Server) handleDelete(c *call) {
	s.mu.Lock()
	f := s.lookupLocked(c.key, c.flowID())
	if f != nil {
		delete(s.projects[c.key].flows, f.id)
		s.forgetSamplesLocked(c.key, f.id)
		// Diga drops a deleted flow from every agent version.
		s.forgetFlowInAgentsLocked(c.key, f.id)
	}
	s.mu.Unlock()
	if f == nil {
		s.notFound(c)
		return
	}
	c.w.WriteHeader(http.StatusNoContent)
}

// PATCH /v1/workflow/{flow_id}/rename — RenameFlowRequest; draft name only.
func (s *Server) handleRename(c *call) {
	obj, ok := decodeBody(c)
	if !ok {
		return
	}
	var errs []validationError
	name, _ := fields{obj: obj, loc: []any{"body"}, errs: &errs}.str("name", 1)
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	s.withFlow(c, http.StatusOK, s.sparseRename, func(f *flow) *apiFailure {
		f.name = name
		s.touchLocked(f)
		return nil
	})
}

// PATCH /v1/workflow/{flow_id}/status — SetFlowStatusRequest. Silent no-op
// (200, flow unchanged, updated untouched) while the flow was never published.
func (s *Server) handleStatus(c *call) {
	obj, ok := decodeBody(c)
	if !ok {
		return
	}
	var errs []validationError
	status, _ := fields{obj: obj, loc: []any{"body"}, errs: &errs}.enum("status", flowStatuses)
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	s.withFlow(c, http.StatusOK, false, func(f *flow) *apiFailure {
		if f.published == nil {
			return nil
		}
		f.status = status
		s.touchLocked(f)
		return nil
	})
}

// POST /v1/workflow/{flow_id}/publish — lock and publish the draft. Any body
// is ignored (the operation declares none).
func (s *Server) handlePublish(c *call) {
	s.withFlow(c, http.StatusOK, false, func(f *flow) *apiFailure {
		if triggerType(f.trigger) != triggerPiece {
			return badRequest(codeFlowNotPublishable,
				"Flow "+f.id+" cannot be published: its trigger is not configured (type EMPTY)")
		}
		if s.importMode == ImportEngine {
			if bad := invalidSteps(f.trigger); len(bad) > 0 {
				return badRequest(codeFlowNotPublishable,
					"Flow "+f.id+" cannot be published: invalid steps: "+strings.Join(bad, ", ")+
						" (a step is invalid when the engine rejects its settings or the piece's required inputs are missing; skip or fix it)")
			}
		}
		f.published = &flowVersion{name: f.name, trigger: copyTree(f.trigger)}
		s.touchLocked(f)
		return nil
	})
}

// POST /v1/workflow/{flow_id}/draft — copy the published version back into
// the draft.
func (s *Server) handleDraft(c *call) {
	s.withFlow(c, http.StatusOK, false, func(f *flow) *apiFailure {
		if f.published == nil {
			return badRequest("FLOW_NOT_PUBLISHED",
				"Flow "+f.id+" has no published version to use as draft")
		}
		f.trigger = copyTree(f.published.trigger)
		f.name = f.published.name
		s.touchLocked(f)
		return nil
	})
}

// POST /v1/workflow/{flow_id}/import — ImportFlowRequest replaces the draft
// trigger tree and the draft name.
func (s *Server) handleImport(c *call) {
	obj, ok := decodeBody(c)
	if !ok {
		return
	}
	var errs []validationError
	f := fields{obj: obj, loc: []any{"body"}, errs: &errs}
	displayName, _ := f.str("displayName", 0)
	trigger, _ := f.dict("trigger")
	f.optStr("schemaVersion")
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	engine := s.importMode == ImportEngine
	var stored map[string]any
	var treeErrs []validationError
	if engine {
		treeErrs = checkEngineImport(trigger, []any{"body", "trigger"})
	} else {
		stored, treeErrs = importTrigger(trigger, []any{"body", "trigger"})
	}
	s.mu.Lock()
	exists := s.lookupLocked(c.key, c.flowID()) != nil
	s.mu.Unlock()
	if exists && len(treeErrs) > 0 {
		write422(c.w, treeErrs)
		return
	}
	s.withFlow(c, http.StatusOK, false, func(fl *flow) *apiFailure {
		if engine {
			var fail *apiFailure
			if stored, fail = engineImport(fl.trigger, trigger, s.engineNow()); fail != nil {
				return fail
			}
		}
		fl.trigger = stored
		fl.name = displayName
		// Every step is replaced, and its sample data with it.
		s.forgetSamplesLocked(c.key, fl.id)
		s.touchLocked(fl)
		return nil
	})
}

// PATCH /v1/workflow/{flow_id}/trigger — UpdateTriggerRequest replaces the
// draft trigger, keeping its nextAction chain.
func (s *Server) handleTrigger(c *call) {
	obj, ok := decodeBody(c)
	if !ok {
		return
	}
	var errs []validationError
	f := fields{obj: obj, loc: []any{"body"}, errs: &errs}
	typ, _ := f.enum("type", triggerTypes)
	displayName, _ := f.str("displayName", 0)
	settings, _ := f.dict("settings")
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	stored, treeErrs := triggerSettings(settings, []any{"body", "settings"}, typ)
	s.mu.Lock()
	exists := s.lookupLocked(c.key, c.flowID()) != nil
	s.mu.Unlock()
	if exists && len(treeErrs) > 0 {
		write422(c.w, treeErrs)
		return
	}
	s.withFlow(c, http.StatusOK, false, func(fl *flow) *apiFailure {
		if s.importMode == ImportEngine {
			t, fail := engineTriggerUpdate(fl.trigger, typ, displayName, settings, s.engineNow())
			if fail != nil {
				return fail
			}
			fl.trigger = t
		} else {
			fl.trigger = replaceTrigger(fl.trigger, typ, displayName, stored)
		}
		s.touchLocked(fl)
		return nil
	})
}
