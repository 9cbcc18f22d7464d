package server

import (
	"log/slog"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/cargo"
	"github.com/artifactd/artifactd/internal/format/generic"
	"github.com/artifactd/artifactd/internal/format/maven"
	"github.com/artifactd/artifactd/internal/format/npm"
	"github.com/artifactd/artifactd/internal/format/nuget"
	"github.com/artifactd/artifactd/internal/format/pypi"
	"github.com/artifactd/artifactd/internal/format/ruby"
	"github.com/artifactd/artifactd/internal/format/swift"
	"github.com/artifactd/artifactd/internal/service"
)

// formats lists the package formats served on the data plane (tmp is the
// data directory's area for uploads being received), and formatRules the
// package-level rules of those that have them. Adding a
// format is a line in each.
func formats(svc *service.Service, log *slog.Logger, tmp string) []dataplane.Format {
	return []dataplane.Format{
		generic.New(svc, log),
		npm.New(svc, log, tmp),
		pypi.New(svc, log, tmp),
		maven.New(svc, log),
		cargo.New(svc, log, tmp),
		ruby.New(svc, log, tmp),
		swift.New(svc, log, tmp),
		nuget.New(svc, log, tmp),
	}
}

// remoteFormats are the formats that external connections fetch.
func remoteFormats() map[domain.Format]service.RemoteFormat {
	return map[domain.Format]service.RemoteFormat{
		domain.FormatNpm:   npm.Remote{},
		domain.FormatPypi:  pypi.Remote{},
		domain.FormatMaven: maven.Remote{},
		domain.FormatCargo: cargo.Remote{},
		domain.FormatRuby:  ruby.Remote{},
		domain.FormatNuget: nuget.Remote{},
	}
}

func formatRules() map[domain.Format]service.FormatRules {
	return map[domain.Format]service.FormatRules{
		domain.FormatNpm:   npm.NewRules(),
		domain.FormatPypi:  pypi.Rules{},
		domain.FormatMaven: maven.Rules{},
		domain.FormatCargo: cargo.Rules{},
		domain.FormatRuby:  ruby.Rules{},
		domain.FormatSwift: swift.Rules{},
		domain.FormatNuget: nuget.Rules{},
	}
}
