//go:build tools

// Package tools pins the versions of the development tools used by this
// repository (documentation generation and linting). It is a separate Go
// module so that these tools' dependencies never leak into the provider's
// own go.mod.
//
// Build them with:
//
//	go -C tools build -o ../bin/ \
//	    github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs \
//	    github.com/golangci/golangci-lint/v2/cmd/golangci-lint
package tools

import (
	// Documentation generation.
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"

	// Linting.
	_ "github.com/golangci/golangci-lint/v2/cmd/golangci-lint"
)
