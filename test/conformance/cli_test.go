package conformance

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/artifactd/artifactd/test/harness"
)

// cpCLI runs an aws codeartifact command that must succeed and decodes its
// JSON output (nil for commands that print nothing).
func cpCLI(t *testing.T, s *harness.Server, args ...string) map[string]any {
	t.Helper()
	stdout, stderr, code := s.CLI(t, args...)
	if code != 0 {
		t.Fatalf("aws codeartifact %s: exit %d\nstderr: %s\nstdout: %s", strings.Join(args, " "), code, stderr, stdout)
	}
	if strings.TrimSpace(stdout) == "" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatalf("aws codeartifact %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, stdout)
	}
	return m
}

func cpObj(t *testing.T, m map[string]any, key string) map[string]any {
	t.Helper()
	o, ok := m[key].(map[string]any)
	if !ok {
		t.Fatalf("output has no object %q: %v", key, m)
	}
	return o
}

func cpList(t *testing.T, m map[string]any, key string) []map[string]any {
	t.Helper()
	raw, ok := m[key].([]any)
	if !ok {
		t.Fatalf("output has no list %q: %v", key, m)
	}
	var out []map[string]any
	for _, e := range raw {
		o, ok := e.(map[string]any)
		if !ok {
			t.Fatalf("%s element is not an object: %v", key, e)
		}
		out = append(out, o)
	}
	return out
}

func cpExpectFields(t *testing.T, what string, o map[string]any, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if got := o[k]; got != v {
			t.Errorf("%s.%s = %#v, want %#v", what, k, got, v)
		}
	}
}

// cpCLITime accepts what the CLI prints for a timestamp: epoch seconds as a
// number or an ISO 8601 string, depending on its timestamp format setting.
func cpCLITime(t *testing.T, what string, v any) {
	t.Helper()
	var tm time.Time
	switch x := v.(type) {
	case float64:
		tm = time.Unix(0, int64(x*1e9))
	case string:
		var err error
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999-07:00", "2006-01-02T15:04:05-07:00"} {
			if tm, err = time.Parse(layout, x); err == nil {
				break
			}
		}
		if err != nil {
			t.Errorf("%s = %q: not a timestamp", what, x)
			return
		}
	default:
		t.Errorf("%s = %#v: not a timestamp", what, v)
		return
	}
	harness.ExpectRecent(t, what, &tm)
}

func cpUpstreamList(t *testing.T, repo map[string]any) []string {
	t.Helper()
	names := []string{}
	ups, ok := repo["upstreams"].([]any)
	if !ok && repo["upstreams"] != nil {
		t.Fatalf("upstreams = %#v", repo["upstreams"])
	}
	for _, u := range ups {
		m, _ := u.(map[string]any)
		n, _ := m["repositoryName"].(string)
		names = append(names, n)
	}
	return names
}

func TestCLIScenario(t *testing.T) {
	s := harness.Start(t)
	acct := s.Account
	domainARN := s.DomainARN("", "acme")
	appARN := s.RepositoryARN("", "acme", "app")

	t.Run("create-domain", func(t *testing.T) {
		out := cpCLI(t, s, "create-domain", "--domain", "acme", "--tags", "key=team,value=platform")
		d := cpObj(t, out, "domain")
		cpExpectFields(t, "domain", d, map[string]any{"name": "acme", "owner": acct, "arn": domainARN, "status": "Active", "repositoryCount": float64(0), "assetSizeBytes": float64(0)})
		cpCLITime(t, "domain.createdTime", d["createdTime"])
	})

	t.Run("create-repository", func(t *testing.T) {
		out := cpCLI(t, s, "create-repository", "--domain", "acme", "--repository", "base", "--description", "Base repository")
		r := cpObj(t, out, "repository")
		cpExpectFields(t, "repository", r, map[string]any{
			"name": "base", "domainName": "acme", "domainOwner": acct, "administratorAccount": acct,
			"arn": s.RepositoryARN("", "acme", "base"), "description": "Base repository",
		})
		cpCLI(t, s, "create-repository", "--domain", "acme", "--repository", "store")
		out = cpCLI(t, s, "create-repository", "--domain", "acme", "--domain-owner", acct, "--repository", "app",
			"--description", "Application packages",
			"--upstreams", "repositoryName=store", "repositoryName=base",
			"--tags", "key=team,value=web")
		r = cpObj(t, out, "repository")
		cpExpectFields(t, "repository", r, map[string]any{"name": "app", "arn": appARN, "description": "Application packages"})
		if got := cpUpstreamList(t, r); !slices.Equal(got, []string{"store", "base"}) {
			t.Errorf("upstreams = %v, want [store base]", got)
		}
		cpCLITime(t, "repository.createdTime", r["createdTime"])
	})

	t.Run("list-domains", func(t *testing.T) {
		out := cpCLI(t, s, "list-domains")
		ds := cpList(t, out, "domains")
		if len(ds) != 1 {
			t.Fatalf("domains = %v", ds)
		}
		cpExpectFields(t, "domains[0]", ds[0], map[string]any{"name": "acme", "owner": acct, "arn": domainARN, "status": "Active"})
	})

	t.Run("list-repositories", func(t *testing.T) {
		out := cpCLI(t, s, "list-repositories")
		var names []string
		for _, r := range cpList(t, out, "repositories") {
			names = append(names, r["name"].(string))
			if r["domainName"] != "acme" || r["administratorAccount"] != acct {
				t.Errorf("summary %v", r)
			}
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"app", "base", "store"}) {
			t.Errorf("list-repositories = %v", names)
		}
		// The CLI pages by itself with --page-size.
		out = cpCLI(t, s, "list-repositories", "--page-size", "1")
		if n := len(cpList(t, out, "repositories")); n != 3 {
			t.Errorf("list-repositories --page-size 1 returned %d repositories, want 3", n)
		}
	})

	t.Run("list-repositories-in-domain", func(t *testing.T) {
		out := cpCLI(t, s, "list-repositories-in-domain", "--domain", "acme", "--repository-prefix", "ap")
		rs := cpList(t, out, "repositories")
		if len(rs) != 1 {
			t.Fatalf("repositories = %v, want just app", rs)
		}
		cpExpectFields(t, "repositories[0]", rs[0], map[string]any{"name": "app", "arn": appARN, "description": "Application packages", "domainOwner": acct})
		out = cpCLI(t, s, "list-repositories-in-domain", "--domain", "acme", "--page-size", "2")
		if n := len(cpList(t, out, "repositories")); n != 3 {
			t.Errorf("list-repositories-in-domain --page-size 2 returned %d, want 3", n)
		}
	})

	t.Run("describe-domain", func(t *testing.T) {
		out := cpCLI(t, s, "describe-domain", "--domain", "acme")
		cpExpectFields(t, "domain", cpObj(t, out, "domain"), map[string]any{"name": "acme", "arn": domainARN, "repositoryCount": float64(3), "assetSizeBytes": float64(0), "status": "Active"})
	})

	t.Run("describe-repository", func(t *testing.T) {
		out := cpCLI(t, s, "describe-repository", "--domain", "acme", "--repository", "app")
		r := cpObj(t, out, "repository")
		cpExpectFields(t, "repository", r, map[string]any{"name": "app", "arn": appARN, "description": "Application packages"})
		if got := cpUpstreamList(t, r); !slices.Equal(got, []string{"store", "base"}) {
			t.Errorf("upstreams = %v, want [store base]", got)
		}
	})

	t.Run("update-repository", func(t *testing.T) {
		out := cpCLI(t, s, "update-repository", "--domain", "acme", "--repository", "app", "--description", "Apps", "--upstreams", "repositoryName=base")
		r := cpObj(t, out, "repository")
		cpExpectFields(t, "repository", r, map[string]any{"name": "app", "description": "Apps"})
		if got := cpUpstreamList(t, r); !slices.Equal(got, []string{"base"}) {
			t.Errorf("upstreams = %v, want [base]", got)
		}
		out = cpCLI(t, s, "update-repository", "--domain", "acme", "--repository", "app", "--description", "Apps", "--upstreams", "[]")
		if got := cpUpstreamList(t, cpObj(t, out, "repository")); len(got) != 0 {
			t.Errorf("upstreams after --upstreams [] = %v, want none", got)
		}
	})

	t.Run("tags", func(t *testing.T) {
		out := cpCLI(t, s, "list-tags-for-resource", "--resource-arn", appARN)
		if tags := cpList(t, out, "tags"); len(tags) != 1 || tags[0]["key"] != "team" || tags[0]["value"] != "web" {
			t.Errorf("tags on create = %v", tags)
		}
		cpCLI(t, s, "tag-resource", "--resource-arn", appARN, "--tags", "key=env,value=prod", "key=team,value=mobile")
		out = cpCLI(t, s, "list-tags-for-resource", "--resource-arn", appARN)
		got := map[string]any{}
		for _, tg := range cpList(t, out, "tags") {
			got[tg["key"].(string)] = tg["value"]
		}
		if len(got) != 2 || got["env"] != "prod" || got["team"] != "mobile" {
			t.Errorf("tags = %v, want env=prod team=mobile", got)
		}
		cpCLI(t, s, "untag-resource", "--resource-arn", appARN, "--tag-keys", "env", "team")
		out = cpCLI(t, s, "list-tags-for-resource", "--resource-arn", appARN)
		if tags, _ := out["tags"].([]any); len(tags) != 0 {
			t.Errorf("tags after untag = %v", tags)
		}
		out = cpCLI(t, s, "list-tags-for-resource", "--resource-arn", domainARN)
		if tags := cpList(t, out, "tags"); len(tags) != 1 || tags[0]["key"] != "team" || tags[0]["value"] != "platform" {
			t.Errorf("domain tags = %v", tags)
		}
	})

	t.Run("delete-domain refused while repositories exist", func(t *testing.T) {
		_, stderr, code := s.CLI(t, "delete-domain", "--domain", "acme")
		if code != 254 && code != 255 {
			t.Errorf("exit code %d, want 254 or 255", code)
		}
		if !strings.Contains(stderr, "ConflictException") {
			t.Errorf("stderr does not name ConflictException: %s", stderr)
		}
	})

	t.Run("delete-repository", func(t *testing.T) {
		out := cpCLI(t, s, "delete-repository", "--domain", "acme", "--repository", "app")
		cpExpectFields(t, "repository", cpObj(t, out, "repository"), map[string]any{"name": "app", "arn": appARN, "description": "Apps"})
		for _, r := range []string{"base", "store"} {
			out = cpCLI(t, s, "delete-repository", "--domain", "acme", "--repository", r)
			cpExpectFields(t, "repository", cpObj(t, out, "repository"), map[string]any{"name": r})
		}
	})

	t.Run("delete-domain", func(t *testing.T) {
		out := cpCLI(t, s, "delete-domain", "--domain", "acme")
		d := cpObj(t, out, "domain")
		// As the AWS CLI's documented example answers it: Deleted.
		cpExpectFields(t, "domain", d, map[string]any{"name": "acme", "arn": domainARN, "status": "Deleted", "owner": acct})
		out = cpCLI(t, s, "list-domains")
		if ds, _ := out["domains"].([]any); len(ds) != 0 {
			t.Errorf("domains after delete = %v", ds)
		}
		// Deleting it again succeeds (the model has no not-found error
		// for DeleteDomain), naming the domain.
		out = cpCLI(t, s, "delete-domain", "--domain", "acme")
		cpExpectFields(t, "domain", cpObj(t, out, "domain"), map[string]any{"name": "acme", "arn": domainARN, "status": "Deleted", "owner": acct})
	})

	t.Run("missing domain is an error", func(t *testing.T) {
		stdout, stderr, code := s.CLI(t, "describe-domain", "--domain", "acme")
		if code != 254 && code != 255 {
			t.Errorf("exit code %d, want 254 or 255 (stdout %q)", code, stdout)
		}
		if !strings.Contains(stderr, "ResourceNotFoundException") {
			t.Errorf("stderr does not name ResourceNotFoundException: %s", stderr)
		}
	})

	t.Run("validation error", func(t *testing.T) {
		_, stderr, code := s.CLI(t, "create-domain", "--domain", "Bad_Name")
		if code != 254 && code != 255 {
			t.Errorf("exit code %d, want 254 or 255", code)
		}
		if !strings.Contains(stderr, "ValidationException") {
			t.Errorf("stderr does not name ValidationException: %s", stderr)
		}
	})
}
