package server

import (
	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// formats lists the package formats served on the data plane, and
// formatRules the package-level rules of those that have them. Adding a
// format is a line in each.
func formats() []dataplane.Format {
	return []dataplane.Format{}
}

func formatRules() map[domain.Format]service.FormatRules {
	return map[domain.Format]service.FormatRules{}
}
