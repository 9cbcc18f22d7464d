package server

import (
	"log/slog"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/generic"
	"github.com/artifactd/artifactd/internal/format/maven"
	"github.com/artifactd/artifactd/internal/format/npm"
	"github.com/artifactd/artifactd/internal/format/nuget"
	"github.com/artifactd/artifactd/internal/format/pypi"
	"github.com/artifactd/artifactd/internal/service"
)

// formats lists the package formats served on the data plane (tmp is the
// data directory's area for uploads being received), and formatRules the
// package-level rules of those that have them. Adding a
// format is a line in each.
func formats(svc *service.Service, log *slog.Logger, tmp string) []dataplane.Format {
	js := npm.New(svc, log)
	js.TempDir = tmp
	py := pypi.New(svc, log)
	py.TempDir = tmp
	return []dataplane.Format{
		generic.New(svc, log),
		js,
		py,
		maven.New(svc, log),
		nuget.New(svc, log, tmp),
	}
}

// remoteFormats are the formats that external connections fetch.
func remoteFormats() map[domain.Format]service.RemoteFormat {
	return map[domain.Format]service.RemoteFormat{
		domain.FormatNpm:   npm.Remote{},
		domain.FormatPypi:  pypi.Remote{},
		domain.FormatMaven: maven.Remote{},
		domain.FormatNuget: nuget.Remote{},
	}
}

func formatRules() map[domain.Format]service.FormatRules {
	return map[domain.Format]service.FormatRules{
		domain.FormatNpm:   npm.NewRules(),
		domain.FormatPypi:  pypi.Rules{},
		domain.FormatMaven: maven.Rules{},
		domain.FormatNuget: nuget.Rules{},
	}
}
