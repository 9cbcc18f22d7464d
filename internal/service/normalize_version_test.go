package service

import (
	"reflect"
	"strings"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
)

// trimRules normalizes versions by trimming a ".0" suffix, to check the
// VersionNormalizer hook without a format package.
type trimRules struct{}

func (trimRules) PackageChanged(*domain.Package, VersionReader, []string) error { return nil }
func (trimRules) NormalizeVersion(v string) string                              { return strings.TrimSuffix(v, ".0") }

func TestNormalizeVersionHook(t *testing.T) {
	s := &Service{rules: map[domain.Format]FormatRules{domain.FormatNuget: trimRules{}}}
	if got := s.normalizeVersion(domain.FormatNuget, "1.2.0"); got != "1.2" {
		t.Errorf("nuget 1.2.0 → %q, want 1.2", got)
	}
	if got := s.normalizeVersion(domain.FormatNpm, "1.2.0"); got != "1.2.0" {
		t.Errorf("npm (no normalizer) 1.2.0 → %q", got)
	}
	in := BatchInput{Versions: []string{"1.0", "2"}, VersionRevisions: map[string]string{"3.0": "r"}, ExpectedStatus: domain.StatusPublished}
	got := s.normalizeBatch(domain.FormatNuget, in)
	want := BatchInput{Versions: []string{"1", "2"}, VersionRevisions: map[string]string{"3": "r"}, ExpectedStatus: domain.StatusPublished}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("normalizeBatch = %+v, want %+v", got, want)
	}
	if !reflect.DeepEqual(in.Versions, []string{"1.0", "2"}) {
		t.Errorf("the caller's input changed: %v", in.Versions)
	}
	if got := s.normalizeBatch(domain.FormatNpm, in); !reflect.DeepEqual(got, in) {
		t.Errorf("npm batch changed: %+v", got)
	}
}
