package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

// addJobWarnings warns, on `definition`, about each reason the flow would
// fail on every call of an agent although Diga publishes it
// (flowdef.JobProblems): a pre-call flow that does not end with Return
// Call Data, a synchronous during-call flow that does not end with Return
// Response, an incomplete Function Call trigger. Warnings, never errors: a
// flow that is not assigned to an agent yet may be a work in progress.
//
// def is the configuration's definition the apply will import, never one
// read from Diga. A step the catalogue check already refused (refused,
// by path) gets no warning on top of its error.
func addJobWarnings(diags *diag.Diagnostics, def *flowdef.Definition, refused map[string]bool) {
	problems := def.JobProblems()
	if len(problems) == 0 {
		return
	}
	label := def.Kind().Label()
	if def.Synchronous() {
		label = "synchronous " + label
	}
	summary := upperFirst(label) + " flow would fail on every call"
	for _, p := range problems {
		if refused[p.Step] {
			continue
		}
		diags.AddAttributeWarning(path.Root("definition"), summary,
			fmt.Sprintf("%s: %s. Diga publishes the flow as written, and every call of an agent it is assigned "+
				"to would run into this.", p.Step, strings.TrimSuffix(upperFirst(p.Message), ".")))
	}
}
