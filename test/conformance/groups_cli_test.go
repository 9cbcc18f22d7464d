package conformance

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/artifactd/artifactd/test/harness"
)

// pgCLIRestriction returns packageGroup.originConfiguration.restrictions[typ].
func pgCLIRestriction(t *testing.T, g map[string]any, typ string) map[string]any {
	t.Helper()
	oc := cpObj(t, g, "originConfiguration")
	return cpObj(t, cpObj(t, oc, "restrictions"), typ)
}

// pgCLIExpect checks one restriction of a group from the CLI's JSON:
// inheritedFrom "" = no inheritedFrom member.
func pgCLIExpect(t *testing.T, g map[string]any, typ, mode, effective, inheritedFrom string, count float64) {
	t.Helper()
	r := pgCLIRestriction(t, g, typ)
	what := g["pattern"].(string) + " " + typ
	cpExpectFields(t, what, r, map[string]any{"mode": mode, "effectiveMode": effective, "repositoriesCount": count})
	from, _ := r["inheritedFrom"].(map[string]any)
	switch {
	case inheritedFrom == "" && from != nil:
		t.Errorf("%s: inheritedFrom %v, want none", what, from)
	case inheritedFrom != "" && (from == nil || from["pattern"] != inheritedFrom):
		t.Errorf("%s: inheritedFrom %v, want %s", what, from, inheritedFrom)
	}
}

func pgCLIPatterns(t *testing.T, out map[string]any) []string {
	t.Helper()
	var ps []string
	for _, g := range cpList(t, out, "packageGroups") {
		ps = append(ps, g["pattern"].(string))
	}
	sort.Strings(ps)
	return ps
}

func pgCLIParent(g map[string]any) string {
	p, _ := g["parent"].(map[string]any)
	s, _ := p["pattern"].(string)
	return s
}

// pgCLIFails runs a command that must fail with errType named on stderr.
func pgCLIFails(t *testing.T, s *harness.Server, errType string, args ...string) {
	t.Helper()
	stdout, stderr, code := s.CLI(t, args...)
	if code != 254 && code != 255 {
		t.Errorf("aws codeartifact %s: exit %d, want 254 or 255\nstdout: %s", strings.Join(args, " "), code, stdout)
	}
	if !strings.Contains(stderr, errType) {
		t.Errorf("aws codeartifact %s: stderr does not name %s: %s", strings.Join(args, " "), errType, stderr)
	}
}

// TestPackageGroupCLI: the life of a group hierarchy through the real aws
// CLI, its JSON output checked.
func TestPackageGroupCLI(t *testing.T) {
	t.Parallel()
	s := harness.Start(t)
	cpCLI(t, s, "create-domain", "--domain", "acme")
	cpCLI(t, s, "create-repository", "--domain", "acme", "--repository", "npm-store")
	prefix := "arn:aws:codeartifact:" + s.Region + ":" + s.Account + ":package-group/acme/"
	var npmARN string

	t.Run("describe-package-group of the root", func(t *testing.T) {
		g := cpObj(t, cpCLI(t, s, "describe-package-group", "--domain", "acme", "--package-group", "/*"), "packageGroup")
		cpExpectFields(t, "root", g, map[string]any{"pattern": "/*", "domainName": "acme", "domainOwner": s.Account})
		if _, ok := g["parent"]; ok {
			t.Errorf("root has a parent: %v", g["parent"])
		}
		if arn, _ := g["arn"].(string); !strings.HasPrefix(arn, prefix) {
			t.Errorf("root arn %q", arn)
		}
		cpCLITime(t, "root createdTime", g["createdTime"])
		for _, typ := range []string{"PUBLISH", "EXTERNAL_UPSTREAM", "INTERNAL_UPSTREAM"} {
			pgCLIExpect(t, g, typ, "ALLOW", "ALLOW", "", 0)
		}
	})

	t.Run("create-package-group", func(t *testing.T) {
		g := cpObj(t, cpCLI(t, s, "create-package-group", "--domain", "acme", "--package-group", "/npm/acme/*",
			"--description", "acme scope", "--contact-info", "npm@acme.example", "--tags", "key=team,value=web"), "packageGroup")
		cpExpectFields(t, "/npm/acme/*", g, map[string]any{"pattern": "/npm/acme/*", "domainName": "acme", "domainOwner": s.Account,
			"description": "acme scope", "contactInfo": "npm@acme.example"})
		cpCLITime(t, "/npm/acme/* createdTime", g["createdTime"])
		if pgCLIParent(g) != "/*" {
			t.Errorf("/npm/acme/* parent %q, want /*", pgCLIParent(g))
		}
		pgCLIExpect(t, g, "PUBLISH", "INHERIT", "ALLOW", "/*", 0)
		arn, _ := g["arn"].(string)
		if !strings.HasPrefix(arn, prefix) {
			t.Errorf("arn %q", arn)
		}
		tags := cpList(t, cpCLI(t, s, "list-tags-for-resource", "--resource-arn", arn), "tags")
		if len(tags) != 1 || tags[0]["key"] != "team" || tags[0]["value"] != "web" {
			t.Errorf("tags of /npm/acme/*: %v", tags)
		}
		g = cpObj(t, cpCLI(t, s, "create-package-group", "--domain", "acme", "--package-group", "/npm/*"), "packageGroup")
		npmARN, _ = g["arn"].(string)
		if pgCLIParent(g) != "/*" || npmARN == arn {
			t.Errorf("/npm/*: parent %q arn %q", pgCLIParent(g), npmARN)
		}
		cpCLI(t, s, "create-package-group", "--domain", "acme", "--package-group", "/pypi//requests$")
		pgCLIFails(t, s, "ConflictException", "create-package-group", "--domain", "acme", "--package-group", "/npm/acme/*")
		pgCLIFails(t, s, "ValidationException", "create-package-group", "--domain", "acme", "--package-group", "/npm/acme*")
	})

	t.Run("describe-package-group: /npm/* became the parent", func(t *testing.T) {
		g := cpObj(t, cpCLI(t, s, "describe-package-group", "--domain", "acme", "--package-group", "/npm/acme/*"), "packageGroup")
		p, _ := g["parent"].(map[string]any)
		if p == nil || p["pattern"] != "/npm/*" || p["arn"] != npmARN {
			t.Errorf("parent of /npm/acme/*: %v, want /npm/* %s", p, npmARN)
		}
		pgCLIFails(t, s, "ResourceNotFoundException", "describe-package-group", "--domain", "acme", "--package-group", "/npm/other/*")
	})

	t.Run("list-package-groups and list-sub-package-groups", func(t *testing.T) {
		all := []string{"/*", "/npm/*", "/npm/acme/*", "/pypi//requests$"}
		if got := pgCLIPatterns(t, cpCLI(t, s, "list-package-groups", "--domain", "acme")); !slices.Equal(got, all) {
			t.Errorf("list-package-groups: %v, want %v", got, all)
		}
		// The CLI pages by itself with --page-size.
		if got := pgCLIPatterns(t, cpCLI(t, s, "list-package-groups", "--domain", "acme", "--page-size", "1")); !slices.Equal(got, all) {
			t.Errorf("list-package-groups --page-size 1: %v, want %v", got, all)
		}
		if got := pgCLIPatterns(t, cpCLI(t, s, "list-package-groups", "--domain", "acme", "--prefix", "/npm")); !slices.Equal(got, []string{"/npm/*", "/npm/acme/*"}) {
			t.Errorf("list-package-groups --prefix /npm: %v", got)
		}
		if got := pgCLIPatterns(t, cpCLI(t, s, "list-sub-package-groups", "--domain", "acme", "--package-group", "/*")); !slices.Equal(got, []string{"/npm/*", "/pypi//requests$"}) {
			t.Errorf("list-sub-package-groups /*: %v", got)
		}
		if got := pgCLIPatterns(t, cpCLI(t, s, "list-sub-package-groups", "--domain", "acme", "--package-group", "/npm/*")); !slices.Equal(got, []string{"/npm/acme/*"}) {
			t.Errorf("list-sub-package-groups /npm/*: %v", got)
		}
	})

	t.Run("update-package-group", func(t *testing.T) {
		g := cpObj(t, cpCLI(t, s, "update-package-group", "--domain", "acme", "--package-group", "/npm/acme/*",
			"--description", "the acme scope", "--contact-info", "platform@acme.example"), "packageGroup")
		cpExpectFields(t, "updated", g, map[string]any{"description": "the acme scope", "contactInfo": "platform@acme.example", "pattern": "/npm/acme/*"})
	})

	t.Run("update-package-group-origin-configuration", func(t *testing.T) {
		out := cpCLI(t, s, "update-package-group-origin-configuration", "--domain", "acme", "--package-group", "/npm/*",
			"--restrictions", "PUBLISH=BLOCK")
		pgCLIExpect(t, cpObj(t, out, "packageGroup"), "PUBLISH", "BLOCK", "BLOCK", "", 0)
		if u, ok := out["allowedRepositoryUpdates"].(map[string]any); ok && len(u) != 0 {
			t.Errorf("allowedRepositoryUpdates %v for a mode change alone", u)
		}
		g := cpObj(t, cpCLI(t, s, "describe-package-group", "--domain", "acme", "--package-group", "/npm/acme/*"), "packageGroup")
		pgCLIExpect(t, g, "PUBLISH", "INHERIT", "BLOCK", "/npm/*", 0)
		pgCLIExpect(t, g, "EXTERNAL_UPSTREAM", "INHERIT", "ALLOW", "/*", 0)

		out = cpCLI(t, s, "update-package-group-origin-configuration", "--domain", "acme", "--package-group", "/npm/acme/*",
			"--restrictions", "EXTERNAL_UPSTREAM=ALLOW_SPECIFIC_REPOSITORIES",
			"--add-allowed-repositories", "repositoryName=npm-store,originRestrictionType=EXTERNAL_UPSTREAM")
		pgCLIExpect(t, cpObj(t, out, "packageGroup"), "EXTERNAL_UPSTREAM", "ALLOW_SPECIFIC_REPOSITORIES", "ALLOW_SPECIFIC_REPOSITORIES", "", 1)
		u := cpObj(t, out, "allowedRepositoryUpdates")
		ext := cpObj(t, u, "EXTERNAL_UPSTREAM")
		if added, _ := ext["ADDED"].([]any); len(added) != 1 || added[0] != "npm-store" || len(u) != 1 {
			t.Errorf("allowedRepositoryUpdates %v, want EXTERNAL_UPSTREAM ADDED [npm-store]", u)
		}
		repos, _ := cpCLI(t, s, "list-allowed-repositories-for-group", "--domain", "acme", "--package-group", "/npm/acme/*",
			"--origin-restriction-type", "EXTERNAL_UPSTREAM")["allowedRepositories"].([]any)
		if len(repos) != 1 || repos[0] != "npm-store" {
			t.Errorf("list-allowed-repositories-for-group: %v", repos)
		}
		pgCLIFails(t, s, "ResourceNotFoundException", "update-package-group-origin-configuration", "--domain", "acme", "--package-group", "/npm/acme/*",
			"--add-allowed-repositories", "repositoryName=nowhere,originRestrictionType=PUBLISH")
		pgCLIFails(t, s, "ValidationException", "update-package-group-origin-configuration", "--domain", "acme", "--package-group", "/*",
			"--restrictions", "PUBLISH=INHERIT")
	})

	t.Run("get-associated-package-group and list-associated-packages", func(t *testing.T) {
		for _, c := range []struct {
			args  []string
			group string
		}{
			{[]string{"--format", "npm", "--namespace", "acme", "--package", "ui"}, "/npm/acme/*"},
			{[]string{"--format", "npm", "--package", "lodash"}, "/npm/*"},
			{[]string{"--format", "pypi", "--package", "requests"}, "/pypi//requests$"},
			{[]string{"--format", "maven", "--namespace", "org.example", "--package", "lib"}, "/*"},
		} {
			out := cpCLI(t, s, append([]string{"get-associated-package-group", "--domain", "acme"}, c.args...)...)
			if g := cpObj(t, out, "packageGroup"); g["pattern"] != c.group || out["associationType"] != "STRONG" {
				t.Errorf("get-associated-package-group %v: %v %v, want %s STRONG", c.args, g["pattern"], out["associationType"], c.group)
			}
		}
		if pkgs, _ := cpCLI(t, s, "list-associated-packages", "--domain", "acme", "--package-group", "/npm/acme/*")["packages"].([]any); len(pkgs) != 0 {
			t.Errorf("list-associated-packages of a group without packages: %v", pkgs)
		}
		if pkgs, _ := cpCLI(t, s, "list-associated-packages", "--domain", "acme", "--package-group", "/npm/acme/ui~", "--preview")["packages"].([]any); len(pkgs) != 0 {
			t.Errorf("list-associated-packages --preview: %v", pkgs)
		}
		pgCLIFails(t, s, "ResourceNotFoundException", "list-associated-packages", "--domain", "acme", "--package-group", "/npm/acme/ui~")
	})

	t.Run("delete-package-group", func(t *testing.T) {
		g := cpObj(t, cpCLI(t, s, "delete-package-group", "--domain", "acme", "--package-group", "/npm/*"), "packageGroup")
		cpExpectFields(t, "deleted", g, map[string]any{"pattern": "/npm/*", "arn": npmARN})
		g = cpObj(t, cpCLI(t, s, "describe-package-group", "--domain", "acme", "--package-group", "/npm/acme/*"), "packageGroup")
		if pgCLIParent(g) != "/*" {
			t.Errorf("/npm/acme/* parent after deleting /npm/*: %q", pgCLIParent(g))
		}
		pgCLIExpect(t, g, "PUBLISH", "INHERIT", "ALLOW", "/*", 0)
		pgCLIExpect(t, g, "EXTERNAL_UPSTREAM", "ALLOW_SPECIFIC_REPOSITORIES", "ALLOW_SPECIFIC_REPOSITORIES", "", 1)
		out := cpCLI(t, s, "get-associated-package-group", "--domain", "acme", "--format", "npm", "--package", "lodash")
		if cpObj(t, out, "packageGroup")["pattern"] != "/*" {
			t.Errorf("lodash after deleting /npm/*: %v", out)
		}
		pgCLIFails(t, s, "ResourceNotFoundException", "delete-package-group", "--domain", "acme", "--package-group", "/npm/*")
		pgCLIFails(t, s, "ValidationException", "delete-package-group", "--domain", "acme", "--package-group", "/*")
		if got := pgCLIPatterns(t, cpCLI(t, s, "list-package-groups", "--domain", "acme")); !slices.Equal(got, []string{"/*", "/npm/acme/*", "/pypi//requests$"}) {
			t.Errorf("list-package-groups after the deletes: %v", got)
		}
	})
}
