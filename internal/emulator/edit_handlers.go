package emulator

import (
	"math/big"
	"net/http"
)

// Handlers of the step (action) and router-branch operations. Like the other
// handlers: body model validation (422) first, then the flow lookup (404),
// then checks of the submitted settings (422, located in the body, as for an
// import), then the tree operation, whose failures are 400 envelopes (see
// steps.go and BEHAVIOUR.md). Every success stores the edited draft through
// storeTreeLocked and answers 200 with the flow.

// editTree runs op on a copy of the draft tree and stores the copy when op
// succeeds.
func (s *Server) editTree(c *call, op func(tree map[string]any) *apiFailure) {
	s.withFlow(c, http.StatusOK, false, func(f *flow) *apiFailure {
		tree := copyTree(f.trigger)
		if fail := op(tree); fail != nil {
			return fail
		}
		s.storeTreeLocked(f, tree)
		return nil
	})
}

// stepSettings type-checks a step's settings like an import does and returns
// their stored form: with the propertySettings/sampleData defaults under
// ImportLenient; under ImportEngine as ADD_ACTION/UPDATE_ACTION store them
// (a PIECE's pieceVersion exact; a PIECE without one, or a ROUTER without
// a branches array, is an exception in the engine: 500).
func (s *Server) stepSettings(typ string, in map[string]any, loc []any) (map[string]any, []validationError, *apiFailure) {
	n := newTreeNormalizer()
	engine := s.importMode == ImportEngine
	out := n.checkSettings(in, loc, true, !engine)
	if len(n.errs) > 0 || !engine {
		return out, n.errs, nil
	}
	out, fail := engineStepSettings(typ, in)
	return out, nil, fail
}

// POST /v1/workflow/{flow_id}/action — AddActionRequest.
func (s *Server) handleAddAction(c *call) {
	obj, ok := decodeBody(c)
	if !ok {
		return
	}
	var errs []validationError
	f := fields{obj: obj, loc: []any{"body"}, errs: &errs}
	parent, _ := f.str("parentStep", 0)
	var name, typ, displayName string
	var settings map[string]any
	if action, ok := f.model("action"); ok {
		af := fields{obj: action, loc: []any{"body", "action"}, errs: &errs}
		name, _ = af.str("name", 0)
		typ, _ = af.enum("type", actionTypes)
		displayName, _ = af.str("displayName", 0)
		settings, _ = af.dict("settings")
	}
	location, _ := f.optEnum("stepLocationRelativeToParent", stepLocations)
	branchIndex, _ := f.optInt("branchIndex")
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	if location == "" {
		location = locationAfter
	}
	s.editTree(c, func(tree map[string]any) *apiFailure {
		var treeErrs []validationError
		if name == "" {
			treeErrs = append(treeErrs, validationError{
				Type: "string_too_short", Loc: []any{"body", "action", "name"},
				Msg: "String should have at least 1 character", Input: name, Ctx: map[string]any{"min_length": 1},
			})
		}
		stored, settingErrs, fail := s.stepSettings(typ, settings, []any{"body", "action", "settings"})
		if treeErrs = append(treeErrs, settingErrs...); len(treeErrs) > 0 {
			return unprocessable(treeErrs)
		}
		if fail != nil {
			return fail
		}
		return addAction(tree, parent, location, branchIndex, newStep(name, typ, displayName, stored), s.importMode == ImportEngine)
	})
}

// PATCH /v1/workflow/{flow_id}/action — UpdateActionRequest (step name in the
// body).
func (s *Server) handleUpdateAction(c *call) {
	obj, ok := decodeBody(c)
	if !ok {
		return
	}
	var errs []validationError
	f := fields{obj: obj, loc: []any{"body"}, errs: &errs}
	name, _ := f.str("name", 0)
	typ, _ := f.enum("type", actionTypes)
	displayName, _ := f.str("displayName", 0)
	settings, _ := f.dict("settings")
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	s.editTree(c, func(tree map[string]any) *apiFailure {
		stored, settingErrs, fail := s.stepSettings(typ, settings, []any{"body", "settings"})
		if len(settingErrs) > 0 {
			return unprocessable(settingErrs)
		}
		if fail != nil {
			return fail
		}
		return updateAction(tree, name, typ, displayName, stored)
	})
}

// DELETE /v1/workflow/{flow_id}/action/{action_name} — no body; 200 + flow.
func (s *Server) handleDeleteAction(c *call) {
	name := c.params["action_name"]
	s.editTree(c, func(tree map[string]any) *apiFailure {
		return deleteAction(tree, name)
	})
}

// POST /v1/workflow/{flow_id}/action/move — MoveActionRequest.
func (s *Server) handleMoveAction(c *call) {
	obj, ok := decodeBody(c)
	if !ok {
		return
	}
	var errs []validationError
	f := fields{obj: obj, loc: []any{"body"}, errs: &errs}
	name, _ := f.str("name", 0)
	newParent, _ := f.str("newParentStep", 0)
	location, _ := f.optEnum("stepLocationRelativeToParent", stepLocations)
	branchIndex, _ := f.optInt("branchIndex")
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	if location == "" {
		location = locationAfter
	}
	s.editTree(c, func(tree map[string]any) *apiFailure {
		return moveAction(tree, name, newParent, location, branchIndex, s.importMode == ImportEngine)
	})
}

// branchRequest reads a branch request body and validates its first field,
// stepName (the router); the caller validates the rest into f.errs.
func branchRequest(c *call) (f fields, router string, ok bool) {
	obj, ok := decodeBody(c)
	if !ok {
		return fields{}, "", false
	}
	f = fields{obj: obj, loc: []any{"body"}, errs: &[]validationError{}}
	router, _ = f.str("stepName", 0)
	return f, router, true
}

// POST /v1/workflow/{flow_id}/branch — AddBranchRequest.
func (s *Server) handleAddBranch(c *call) {
	f, router, ok := branchRequest(c)
	if !ok {
		return
	}
	branchName, _ := f.str("branchName", 0)
	branchIndex, _ := f.integer("branchIndex")
	f.optConditions("conditions")
	if len(*f.errs) > 0 {
		write422(c.w, *f.errs)
		return
	}
	conditions := f.obj["conditions"]
	s.editTree(c, func(tree map[string]any) *apiFailure {
		return addBranch(tree, router, branchIndex, branchName, conditions)
	})
}

// DELETE /v1/workflow/{flow_id}/branch — DeleteBranchRequest, in the JSON
// body of the DELETE.
func (s *Server) handleDeleteBranch(c *call) { s.branchIndexEdit(c, deleteBranch) }

// POST /v1/workflow/{flow_id}/branch/duplicate — DuplicateBranchRequest.
func (s *Server) handleDuplicateBranch(c *call) { s.branchIndexEdit(c, duplicateBranch) }

// branchIndexEdit serves the branch operations whose body is just stepName
// and branchIndex.
func (s *Server) branchIndexEdit(c *call, edit func(tree map[string]any, router string, branchIndex *big.Int) *apiFailure) {
	f, router, ok := branchRequest(c)
	if !ok {
		return
	}
	branchIndex, _ := f.integer("branchIndex")
	if len(*f.errs) > 0 {
		write422(c.w, *f.errs)
		return
	}
	s.editTree(c, func(tree map[string]any) *apiFailure {
		return edit(tree, router, branchIndex)
	})
}

// POST /v1/workflow/{flow_id}/branch/move — MoveBranchRequest.
func (s *Server) handleMoveBranch(c *call) {
	f, router, ok := branchRequest(c)
	if !ok {
		return
	}
	from, _ := f.integer("branchIndex")
	to, _ := f.integer("newIndex")
	if len(*f.errs) > 0 {
		write422(c.w, *f.errs)
		return
	}
	s.editTree(c, func(tree map[string]any) *apiFailure {
		return moveBranch(tree, router, from, to)
	})
}
