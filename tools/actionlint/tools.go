//go:build tools

// Package actionlint pins actionlint, which lints the GitHub workflows in
// .github/workflows (make actionlint). It is a module of its own, apart from
// the other tools in ../go.mod: actionlint is written against an older
// go.yaml.in/yaml/v4 API than golangci-lint's gosec needs, and one module
// selects one version of a dependency.
package actionlint

import (
	_ "github.com/rhysd/actionlint/cmd/actionlint"
)
