//go:build tools

// Package tools pins the versions of the development tools used by this
// repository: documentation generation, linting, and the checks of the
// GitHub workflows and of the release configuration, which cannot run here.
// It is a separate Go module so that these tools' dependencies never leak
// into the provider's own go.mod.
//
// Build them with:
//
//	go -C tools build -o ../bin/ \
//	    github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs \
//	    github.com/golangci/golangci-lint/v2/cmd/golangci-lint \
//	    github.com/goreleaser/goreleaser/v2
//
// (make tools does the same). goreleaser stays at the newest release whose
// go.mod the Go of go.mod can build (v2.18 needs Go 1.27). actionlint has a
// module of its own, tools/actionlint: it is written against an older
// go.yaml.in/yaml/v4 API than golangci-lint's gosec needs, and one module
// selects one version.
package tools

import (
	// Documentation generation.
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"

	// Linting.
	_ "github.com/golangci/golangci-lint/v2/cmd/golangci-lint"

	// Release configuration check (make goreleaser-check) and releases.
	_ "github.com/goreleaser/goreleaser/v2"
)
