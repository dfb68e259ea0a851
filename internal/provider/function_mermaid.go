package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

var _ function.Function = mermaidFunction{}

// mermaidFunction is provider::diga::mermaid(definition): the definition
// as a Mermaid flowchart (flowdef.Mermaid).
type mermaidFunction struct{}

func newMermaidFunction() function.Function { return mermaidFunction{} }

func (mermaidFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "mermaid"
}

func (mermaidFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "A flow definition drawn as a Mermaid flowchart.",
		MarkdownDescription: "Renders a flow definition (the JSON text of a `diga_flow`'s `definition`) as a " +
			"[Mermaid](https://mermaid.js.org) flowchart, which GitHub and GitLab draw in Markdown: the trigger, " +
			"the steps in order, each router's branches labelled with their names and conditions, and loops with " +
			"their body and the edge back for the next item. The same definition always gives the same text, and " +
			"each step keeps its node id (`s_` and its name), so a diff of two renderings shows what changed. " +
			"Needs Terraform 1.8 or later (OpenTofu 1.7 or later).",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name: "definition",
				MarkdownDescription: "A flow definition as JSON text: `diga_flow.<name>.definition`, the result of " +
					"`provider::diga::flow(...)` or `jsonencode({...})`.",
			},
		},
		Return: function.StringReturn{},
	}
}

func (mermaidFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var text string
	if resp.Error = req.Arguments.Get(ctx, &text); resp.Error != nil {
		return
	}
	def, err := flowdef.ParseDefinition(text)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, "The definition is "+err.Error()+".")
		return
	}
	if problems := def.NameProblems(); len(problems) > 0 {
		lines := make([]string, len(problems))
		for i, p := range problems {
			lines[i] = p.String()
		}
		resp.Error = function.NewArgumentFuncError(0, "The definition has steps the engine refuses:\n"+strings.Join(lines, "\n"))
		return
	}
	resp.Error = resp.Result.Set(ctx, types.StringValue(def.Mermaid()))
}
