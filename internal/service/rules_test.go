package service

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
)

func TestRevisionFollowsContentNotStatus(t *testing.T) {
	a := []domain.Asset{{Name: "a", SHA256: "11"}, {Name: "b", SHA256: "22"}}
	v := domain.PackageVersion{Version: "1.0.0", Status: domain.StatusPublished, Summary: "s"}
	base := revision(v, a)
	if len(base) != 44 {
		t.Fatalf("revision %q: want 44 characters of base64", base)
	}
	v2 := v
	v2.Status = domain.StatusArchived
	if revision(v2, a) != base {
		t.Error("a status change changed the revision")
	}
	if revision(v, []domain.Asset{a[1], a[0]}) != base {
		t.Error("asset order changed the revision")
	}
	if revision(v, a[:1]) == base {
		t.Error("removing an asset kept the revision")
	}
	v3 := v
	v3.Summary = "other"
	if revision(v3, a) == base {
		t.Error("a metadata change kept the revision")
	}
}

func TestBatchTargets(t *testing.T) {
	in := BatchInput{Versions: []string{"2", "1", "2"}, VersionRevisions: map[string]string{"3": "r", "1": "r"}}
	got, err := in.targets()
	if err != nil || !reflect.DeepEqual(got, []string{"2", "1", "3"}) {
		t.Errorf("targets = %v, %v; want [2 1 3]", got, err)
	}
	if _, err := (BatchInput{}).targets(); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("empty batch: %v, want ErrInvalid", err)
	}
	many := make([]string, MaxBatchVersions+1)
	for i := range many {
		many[i] = strings.Repeat("9", i+1)
	}
	if _, err := (BatchInput{Versions: many}).targets(); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("101 versions: %v, want ErrInvalid", err)
	}
}

func TestGenericAssetNames(t *testing.T) {
	for _, ok := range []string{"a.txt", "tool-1.0_x86 64.tar.gz", "ñandú", "x~!@^&()-_+[]{};,.", "日本"} {
		if err := checkGenericAssetName(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{".", "..", " lead", "trail ", "two  spaces", "a/b", "tab\there", "semi:colon", "a*b"} {
		if err := checkGenericAssetName(bad); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("%q accepted (%v)", bad, err)
		}
	}
}

func TestNamespaceRules(t *testing.T) {
	for _, tc := range []struct {
		f  domain.Format
		ns string
		ok bool
	}{
		{domain.FormatGeneric, "", false}, {domain.FormatGeneric, "ns", true},
		{domain.FormatMaven, "", false}, {domain.FormatSwift, "", false},
		{domain.FormatNpm, "", true}, {domain.FormatNpm, "scope", true},
		{domain.FormatPypi, "x", false}, {domain.FormatNuget, "x", false}, {domain.FormatCargo, "x", false}, {domain.FormatRuby, "x", false},
	} {
		err := checkNamespace(tc.f, tc.ns)
		if (err == nil) != tc.ok {
			t.Errorf("checkNamespace(%s, %q) = %v, want ok=%v", tc.f, tc.ns, err, tc.ok)
		}
	}
}
