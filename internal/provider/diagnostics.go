package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

// addAPIError turns a client error into a diagnostic whose detail says what
// happened, what Diga answered and what the user can do. Validation issues
// whose body field maps to a Terraform attribute are attached to it.
func addAPIError(diags *diag.Diagnostics, summary string, err error, fieldPaths map[string]path.Path) {
	var ambiguous *client.AmbiguousCreateError
	if errors.As(err, &ambiguous) {
		diags.AddError(summary, fmt.Sprintf("%s\n\nThe answer to a create request was lost, so Diga may hold a "+
			"flow that Terraform does not track. Check the flows named %q in Diga: delete any extra copy, or import "+
			"the one to keep with: terraform import <address> <flow_id>.", ambiguous.Error(), ambiguous.Name))
		return
	}
	var ambiguousTest *client.AmbiguousTestError
	if errors.As(err, &ambiguousTest) {
		diags.AddError(summary, ambiguousTest.Error())
		return
	}
	var refused *client.ConnectionRefusedError
	if errors.As(err, &refused) {
		diags.AddError(summary, fmt.Sprintf("%s.\n\nbase_url comes from the provider block or the %s environment "+
			"variable (default %s). For the local Diga API emulator, start it first and use the address it listens on.",
			refused.Error(), envBaseURL, client.DefaultBaseURL))
		return
	}
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		detail := fmt.Sprintf("The request to the Diga API failed: %s.", err)
		if errors.Is(err, context.DeadlineExceeded) {
			detail += "\n\nThe time budget of a create, update or delete is the resource's timeouts block " +
				"(create and update 10m, delete 5m by default); retries of transient errors happen within it. " +
				"Give the operation more time, for example timeouts { create = \"10m\" }, and run the command again."
		}
		diags.AddError(summary, detail)
		return
	}

	switch {
	case client.IsNotFound(apiErr) && apiErr.Method != http.MethodGet:
		// A write to something the plan expected to exist: deleted since
		// the plan was made (a saved plan applied later, or a deletion in
		// the Diga UI between plan and apply).
		diags.AddError(summary, fmt.Sprintf("The Diga API answered: %s.\n\nDiga says it no longer exists: it was "+
			"deleted after this plan was made, for example in the Diga UI. Applying the plan cannot bring it back. Run "+
			"terraform plan again (or terraform apply without a saved plan): the refresh sees that it is gone, and the "+
			"new plan will create it again if the configuration still declares it.", apiErr.Error()))
		return
	case client.IsRouteNotFound(apiErr):
		diags.AddError(summary, fmt.Sprintf("The Diga API answered: %s. Nothing was treated as deleted.", apiErr.Error()))
		return
	case apiErr.StatusCode == 401 || apiErr.StatusCode == 403:
		diags.AddError(summary, fmt.Sprintf(
			"Diga rejected the API key (HTTP %d%s). Check the api_key attribute of the provider block or "+
				"the %s environment variable: the key must exist, belong to the project that owns the flows, "+
				"and be allowed to manage workflows.", apiErr.StatusCode, serverSays(apiErr), envAPIKey))
		return
	case apiErr.StatusCode == 422 && len(apiErr.Detail) > 0:
		var unmapped []string
		for _, issue := range apiErr.Detail {
			if p, ok := fieldPaths[issue.Field()]; ok {
				diags.AddAttributeError(p, summary, fmt.Sprintf("Diga rejected the value: %s (%s).", issue.Msg, issue.Field()))
				continue
			}
			unmapped = append(unmapped, fmt.Sprintf("  - %s: %s", issue.Field(), issue.Msg))
		}
		if len(unmapped) > 0 {
			diags.AddError(summary, "Diga rejected the request (HTTP 422):\n"+strings.Join(unmapped, "\n"))
		}
		return
	}
	detail := "The Diga API answered: " + apiErr.Error() + "."
	if apiErr.StatusCode >= 500 || apiErr.StatusCode == 429 {
		detail += " This is a problem on Diga's side or on the way to it; the provider retried transient " +
			"errors until the operation's time budget (the resource's timeouts, or max_retries when set) ran out. " +
			"Running the command again is safe."
	}
	diags.AddError(summary, detail)
}

// addRepeatsWarning tells the user that a listing of what (e.g. "flows")
// met the items with these ids on more than one page, and that each is
// listed once. Nothing when repeated is empty.
func addRepeatsWarning(diags *diag.Diagnostics, what string, repeated []string) {
	if len(repeated) == 0 {
		return
	}
	diags.AddWarning(fmt.Sprintf("Diga listed %d of the %s twice", len(repeated), what),
		fmt.Sprintf("While its pages were read, Diga's listing of %s returned these on more than one page: %s. Each "+
			"is listed once here. A listing is not a snapshot: %s created, changed or deleted while the pages are "+
			"read shift the others between pages, so a few may also have been missed; reading again once nothing is "+
			"changing gives the full list.", what, strings.Join(repeated, ", "), what))
}

func serverSays(e *client.APIError) string {
	switch {
	case e.Message != "" && e.ErrorCode != "":
		return fmt.Sprintf(": %s (%s)", e.Message, e.ErrorCode)
	case e.Message != "":
		return ": " + e.Message
	case e.DetailText != "":
		return ": " + e.DetailText
	}
	return ""
}
