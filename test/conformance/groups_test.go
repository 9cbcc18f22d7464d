package conformance

// Package groups through the AWS SDK for Go v2 (issue #13): the root
// group, a hierarchy kept right as groups come and go, inheritance of
// origin restrictions, allowed-repository lists, association (STRONG and
// WEAK), tags, and enforcement of PUBLISH on PublishPackageVersion and
// CopyPackageVersions. Every identifier here starts with "pg" so that it
// cannot clash with the helpers of the other conformance files.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

const (
	pgRootPattern = "/*"
	pgResource    = types.ResourceType("package-group")

	pgPublish  = types.PackageGroupOriginRestrictionTypePublish
	pgExternal = types.PackageGroupOriginRestrictionTypeExternalUpstream
	pgInternal = types.PackageGroupOriginRestrictionTypeInternalUpstream

	pgAllow    = types.PackageGroupOriginRestrictionModeAllow
	pgBlock    = types.PackageGroupOriginRestrictionModeBlock
	pgSpecific = types.PackageGroupOriginRestrictionModeAllowSpecificRepositories
	pgInherit  = types.PackageGroupOriginRestrictionModeInherit
)

var pgTypes = []types.PackageGroupOriginRestrictionType{pgPublish, pgExternal, pgInternal}

// pgEnv is a server with one domain, addressed by package group helpers.
type pgEnv struct {
	s   *harness.Server
	c   *codeartifact.Client
	dom string
}

func pgStart(t *testing.T, dom string, repos ...string) *pgEnv {
	t.Helper()
	s := harness.Start(t)
	e := &pgEnv{s: s, c: s.Client(t), dom: dom}
	harness.CreateDomain(t, e.c, dom)
	for _, r := range repos {
		harness.CreateRepository(t, e.c, dom, r)
	}
	return e
}

// arnPrefix is what every group ARN of the domain starts with.
func (e *pgEnv) arnPrefix() string {
	return "arn:aws:codeartifact:" + e.s.Region + ":" + e.s.Account + ":package-group/" + e.dom + "/"
}

func (e *pgEnv) createErr(t *testing.T, pattern string, mod func(*codeartifact.CreatePackageGroupInput)) (*types.PackageGroupDescription, error) {
	t.Helper()
	in := &codeartifact.CreatePackageGroupInput{Domain: aws.String(e.dom), PackageGroup: aws.String(pattern)}
	if mod != nil {
		mod(in)
	}
	out, err := e.c.CreatePackageGroup(t.Context(), in)
	if err != nil {
		return nil, err
	}
	return out.PackageGroup, nil
}

// create creates a group and checks what every new group looks like: its
// pattern, domain, ARN, creation time, and every mode INHERIT.
func (e *pgEnv) create(t *testing.T, pattern string, mod func(*codeartifact.CreatePackageGroupInput)) *types.PackageGroupDescription {
	t.Helper()
	g, err := e.createErr(t, pattern, mod)
	if err != nil {
		t.Fatalf("CreatePackageGroup %s: %v", pattern, err)
	}
	if g == nil {
		t.Fatalf("CreatePackageGroup %s: no packageGroup in the response", pattern)
	}
	e.checkCommon(t, "created "+pattern, g, pattern)
	for _, typ := range pgTypes {
		if r := g.OriginConfiguration.Restrictions[string(typ)]; r.Mode != pgInherit {
			t.Errorf("new group %s: %s mode %s, want INHERIT", pattern, typ, r.Mode)
		}
	}
	return g
}

// checkCommon checks the members every description has.
func (e *pgEnv) checkCommon(t *testing.T, what string, g *types.PackageGroupDescription, pattern string) {
	t.Helper()
	if aws.ToString(g.Pattern) != pattern {
		t.Errorf("%s: pattern %q, want %q", what, aws.ToString(g.Pattern), pattern)
	}
	if aws.ToString(g.DomainName) != e.dom || aws.ToString(g.DomainOwner) != e.s.Account {
		t.Errorf("%s: domain %q owner %q, want %q %q", what, aws.ToString(g.DomainName), aws.ToString(g.DomainOwner), e.dom, e.s.Account)
	}
	if arn := aws.ToString(g.Arn); !strings.HasPrefix(arn, e.arnPrefix()) || len(arn) == len(e.arnPrefix()) {
		t.Errorf("%s: arn %q, want %s...", what, arn, e.arnPrefix())
	}
	harness.ExpectRecent(t, what+": createdTime", g.CreatedTime)
	if g.OriginConfiguration == nil {
		t.Fatalf("%s: no originConfiguration", what)
	}
	if got := harness.SortedKeys(g.OriginConfiguration.Restrictions); !slices.Equal(got, []string{"EXTERNAL_UPSTREAM", "INTERNAL_UPSTREAM", "PUBLISH"}) {
		t.Errorf("%s: restrictions for %v, want the three types", what, got)
	}
}

func (e *pgEnv) describeErr(t *testing.T, pattern string) (*types.PackageGroupDescription, error) {
	t.Helper()
	out, err := e.c.DescribePackageGroup(t.Context(), &codeartifact.DescribePackageGroupInput{Domain: aws.String(e.dom), PackageGroup: aws.String(pattern)})
	if err != nil {
		return nil, err
	}
	return out.PackageGroup, nil
}

func (e *pgEnv) describe(t *testing.T, pattern string) *types.PackageGroupDescription {
	t.Helper()
	g, err := e.describeErr(t, pattern)
	if err != nil {
		t.Fatalf("DescribePackageGroup %s: %v", pattern, err)
	}
	e.checkCommon(t, "described "+pattern, g, pattern)
	return g
}

// pgParent is the pattern of a group's parent ("" for none).
func pgParent(g *types.PackageGroupDescription) string {
	if g == nil || g.Parent == nil {
		return ""
	}
	return aws.ToString(g.Parent.Pattern)
}

// expectParent checks a group's parent by pattern and ARN (the parent's own).
func (e *pgEnv) expectParent(t *testing.T, pattern, parent string) {
	t.Helper()
	g := e.describe(t, pattern)
	if got := pgParent(g); got != parent {
		t.Errorf("parent of %s = %q, want %q", pattern, got, parent)
		return
	}
	if parent != "" {
		if want := aws.ToString(e.describe(t, parent).Arn); aws.ToString(g.Parent.Arn) != want {
			t.Errorf("parent of %s: arn %q, want %q", pattern, aws.ToString(g.Parent.Arn), want)
		}
	}
}

// pgWant is one expected restriction: inheritedFrom "" = set on the group
// itself (no inheritedFrom member).
type pgWant struct {
	mode, effective types.PackageGroupOriginRestrictionMode
	inheritedFrom   string
	count           int64
}

// expectRestriction checks one restriction of a description.
func (e *pgEnv) expectRestriction(t *testing.T, g *types.PackageGroupDescription, typ types.PackageGroupOriginRestrictionType, w pgWant) {
	t.Helper()
	what := aws.ToString(g.Pattern) + " " + string(typ)
	r, ok := g.OriginConfiguration.Restrictions[string(typ)]
	if !ok {
		t.Errorf("%s: no such restriction", what)
		return
	}
	if r.Mode != w.mode || r.EffectiveMode != w.effective {
		t.Errorf("%s: mode %s effectiveMode %s, want %s %s", what, r.Mode, r.EffectiveMode, w.mode, w.effective)
	}
	switch {
	case w.inheritedFrom == "" && r.InheritedFrom != nil:
		t.Errorf("%s: inheritedFrom %s, want none (set on the group)", what, aws.ToString(r.InheritedFrom.Pattern))
	case w.inheritedFrom != "" && r.InheritedFrom == nil:
		t.Errorf("%s: no inheritedFrom, want %s", what, w.inheritedFrom)
	case w.inheritedFrom != "" && aws.ToString(r.InheritedFrom.Pattern) != w.inheritedFrom:
		t.Errorf("%s: inheritedFrom %s, want %s", what, aws.ToString(r.InheritedFrom.Pattern), w.inheritedFrom)
	case w.inheritedFrom != "":
		if want := aws.ToString(e.describe(t, w.inheritedFrom).Arn); aws.ToString(r.InheritedFrom.Arn) != want {
			t.Errorf("%s: inheritedFrom arn %q, want %q", what, aws.ToString(r.InheritedFrom.Arn), want)
		}
	}
	if got := aws.ToInt64(r.RepositoriesCount); got != w.count {
		t.Errorf("%s: repositoriesCount %d, want %d", what, got, w.count)
	}
}

// expectModes describes a group and checks the three restrictions.
func (e *pgEnv) expectModes(t *testing.T, pattern string, publish, external, internal pgWant) {
	t.Helper()
	g := e.describe(t, pattern)
	e.expectRestriction(t, g, pgPublish, publish)
	e.expectRestriction(t, g, pgExternal, external)
	e.expectRestriction(t, g, pgInternal, internal)
}

func pgRepo(name string, typ types.PackageGroupOriginRestrictionType) types.PackageGroupAllowedRepository {
	return types.PackageGroupAllowedRepository{RepositoryName: aws.String(name), OriginRestrictionType: typ}
}

func (e *pgEnv) setOriginErr(t *testing.T, pattern string, restrictions map[string]types.PackageGroupOriginRestrictionMode,
	add, remove []types.PackageGroupAllowedRepository) (*codeartifact.UpdatePackageGroupOriginConfigurationOutput, error) {
	t.Helper()
	return e.c.UpdatePackageGroupOriginConfiguration(t.Context(), &codeartifact.UpdatePackageGroupOriginConfigurationInput{
		Domain: aws.String(e.dom), PackageGroup: aws.String(pattern), Restrictions: restrictions,
		AddAllowedRepositories: add, RemoveAllowedRepositories: remove,
	})
}

func (e *pgEnv) setOrigin(t *testing.T, pattern string, restrictions map[string]types.PackageGroupOriginRestrictionMode,
	add, remove []types.PackageGroupAllowedRepository) *codeartifact.UpdatePackageGroupOriginConfigurationOutput {
	t.Helper()
	out, err := e.setOriginErr(t, pattern, restrictions, add, remove)
	if err != nil {
		t.Fatalf("UpdatePackageGroupOriginConfiguration %s %v: %v", pattern, restrictions, err)
	}
	if out.PackageGroup == nil {
		t.Fatalf("UpdatePackageGroupOriginConfiguration %s: no packageGroup in the response", pattern)
	}
	e.checkCommon(t, "updated "+pattern, out.PackageGroup, pattern)
	return out
}

// set is setOrigin for one restriction.
func (e *pgEnv) set(t *testing.T, pattern string, typ types.PackageGroupOriginRestrictionType, mode types.PackageGroupOriginRestrictionMode) {
	t.Helper()
	e.setOrigin(t, pattern, map[string]types.PackageGroupOriginRestrictionMode{string(typ): mode}, nil, nil)
}

// pgUpdates renders allowedRepositoryUpdates as "TYPE ADDED a,b" lines,
// sorted, to compare.
func pgUpdates(u map[string]map[string][]string) []string {
	out := []string{}
	for typ, m := range u {
		for kind, repos := range m {
			rs := slices.Clone(repos)
			sort.Strings(rs)
			out = append(out, typ+" "+kind+" "+strings.Join(rs, ","))
		}
	}
	sort.Strings(out)
	return out
}

// list pages through ListPackageGroups; it returns the patterns in the
// order listed and the size of every page.
func (e *pgEnv) list(t *testing.T, prefix string, max int32) (patterns []string, pages []int) {
	t.Helper()
	in := &codeartifact.ListPackageGroupsInput{Domain: aws.String(e.dom)}
	if prefix != "" {
		in.Prefix = aws.String(prefix)
	}
	if max > 0 {
		in.MaxResults = aws.Int32(max)
	}
	for i := 0; ; i++ {
		if i > 100 {
			t.Fatal("ListPackageGroups: more than 100 pages")
		}
		out, err := e.c.ListPackageGroups(t.Context(), in)
		if err != nil {
			t.Fatalf("ListPackageGroups prefix %q: %v", prefix, err)
		}
		pages = append(pages, len(out.PackageGroups))
		for _, g := range out.PackageGroups {
			patterns = append(patterns, aws.ToString(g.Pattern))
			if aws.ToString(g.DomainName) != e.dom || !strings.HasPrefix(aws.ToString(g.Arn), e.arnPrefix()) || g.OriginConfiguration == nil {
				t.Errorf("listed group %s: domain %q arn %q origin %v", aws.ToString(g.Pattern), aws.ToString(g.DomainName), aws.ToString(g.Arn), g.OriginConfiguration)
			}
		}
		if out.NextToken == nil {
			return patterns, pages
		}
		in.NextToken = out.NextToken
	}
}

// subGroups pages through ListSubPackageGroups (sorted patterns).
func (e *pgEnv) subGroups(t *testing.T, pattern string) []string {
	t.Helper()
	return e.subGroupsPaged(t, pattern, 0)
}

// subGroupsPaged is subGroups with maxResults (0 = the server's default).
func (e *pgEnv) subGroupsPaged(t *testing.T, pattern string, max int32) []string {
	t.Helper()
	in := &codeartifact.ListSubPackageGroupsInput{Domain: aws.String(e.dom), PackageGroup: aws.String(pattern)}
	if max > 0 {
		in.MaxResults = aws.Int32(max)
	}
	out := []string{}
	for i := 0; ; i++ {
		if i > 100 {
			t.Fatal("ListSubPackageGroups: more than 100 pages")
		}
		res, err := e.c.ListSubPackageGroups(t.Context(), in)
		if err != nil {
			t.Fatalf("ListSubPackageGroups %s: %v", pattern, err)
		}
		if max > 0 && len(res.PackageGroups) > int(max) {
			t.Errorf("ListSubPackageGroups %s: a page of %d with maxResults %d", pattern, len(res.PackageGroups), max)
		}
		for _, g := range res.PackageGroups {
			out = append(out, aws.ToString(g.Pattern))
			if pgParentSummary(g) != pattern {
				t.Errorf("sub-group %s of %s lists parent %q", aws.ToString(g.Pattern), pattern, pgParentSummary(g))
			}
		}
		if res.NextToken == nil {
			break
		}
		in.NextToken = res.NextToken
	}
	sort.Strings(out)
	return out
}

func pgParentSummary(g types.PackageGroupSummary) string {
	if g.Parent == nil {
		return ""
	}
	return aws.ToString(g.Parent.Pattern)
}

// allowed lists a group's allowed repositories for one type (sorted).
func (e *pgEnv) allowed(t *testing.T, pattern string, typ types.PackageGroupOriginRestrictionType) []string {
	t.Helper()
	return e.allowedPaged(t, pattern, typ, 0)
}

// allowedPaged is allowed with maxResults (0 = the server's default).
func (e *pgEnv) allowedPaged(t *testing.T, pattern string, typ types.PackageGroupOriginRestrictionType, max int32) []string {
	t.Helper()
	in := &codeartifact.ListAllowedRepositoriesForGroupInput{Domain: aws.String(e.dom), PackageGroup: aws.String(pattern), OriginRestrictionType: typ}
	if max > 0 {
		in.MaxResults = aws.Int32(max)
	}
	out := []string{}
	for i := 0; ; i++ {
		if i > 100 {
			t.Fatal("ListAllowedRepositoriesForGroup: more than 100 pages")
		}
		res, err := e.c.ListAllowedRepositoriesForGroup(t.Context(), in)
		if err != nil {
			t.Fatalf("ListAllowedRepositoriesForGroup %s %s: %v", pattern, typ, err)
		}
		if max > 0 && len(res.AllowedRepositories) > int(max) {
			t.Errorf("ListAllowedRepositoriesForGroup %s: a page of %d with maxResults %d", pattern, len(res.AllowedRepositories), max)
		}
		out = append(out, res.AllowedRepositories...)
		if res.NextToken == nil {
			break
		}
		in.NextToken = res.NextToken
	}
	sort.Strings(out)
	return out
}

// associated returns the group a package is associated with and how.
func (e *pgEnv) associated(t *testing.T, format types.PackageFormat, namespace, pkg string) (string, types.PackageGroupAssociationType) {
	t.Helper()
	in := &codeartifact.GetAssociatedPackageGroupInput{Domain: aws.String(e.dom), Format: format, Package: aws.String(pkg)}
	if namespace != "" {
		in.Namespace = aws.String(namespace)
	}
	out, err := e.c.GetAssociatedPackageGroup(t.Context(), in)
	if err != nil {
		t.Fatalf("GetAssociatedPackageGroup %s %q %q: %v", format, namespace, pkg, err)
	}
	if out.PackageGroup == nil {
		t.Fatalf("GetAssociatedPackageGroup %s %q %q: no packageGroup", format, namespace, pkg)
	}
	return aws.ToString(out.PackageGroup.Pattern), out.AssociationType
}

// associatedPackages pages through ListAssociatedPackages (max per page;
// 0 = the server's default) and returns "format/namespace/name TYPE",
// sorted, failing on a package listed twice.
func (e *pgEnv) associatedPackages(t *testing.T, pattern string, preview bool, max int32) []string {
	t.Helper()
	out, err := e.associatedPackagesErr(t, pattern, preview, max)
	if err != nil {
		t.Fatalf("ListAssociatedPackages %s (preview %v): %v", pattern, preview, err)
	}
	return out
}

func (e *pgEnv) associatedPackagesErr(t *testing.T, pattern string, preview bool, max int32) ([]string, error) {
	t.Helper()
	in := &codeartifact.ListAssociatedPackagesInput{Domain: aws.String(e.dom), PackageGroup: aws.String(pattern)}
	if preview {
		in.Preview = aws.Bool(true)
	}
	if max > 0 {
		in.MaxResults = aws.Int32(max)
	}
	out := []string{}
	seen := map[string]bool{}
	for i := 0; ; i++ {
		if i > 200 {
			t.Fatal("ListAssociatedPackages: more than 200 pages")
		}
		res, err := e.c.ListAssociatedPackages(t.Context(), in)
		if err != nil {
			return nil, err
		}
		if max > 0 && len(res.Packages) > int(max) {
			t.Errorf("ListAssociatedPackages %s: a page of %d packages with maxResults %d", pattern, len(res.Packages), max)
		}
		for _, p := range res.Packages {
			k := string(p.Format) + "/" + aws.ToString(p.Namespace) + "/" + aws.ToString(p.Package)
			if seen[k] {
				t.Errorf("ListAssociatedPackages %s: %s listed twice", pattern, k)
			}
			seen[k] = true
			out = append(out, k+" "+string(p.AssociationType))
		}
		if res.NextToken == nil {
			break
		}
		in.NextToken = res.NextToken
	}
	sort.Strings(out)
	return out, nil
}

// pgPublish publishes a generic asset (one call, Published).
func pgPublishGeneric(t *testing.T, c *codeartifact.Client, dom, repo, ns, pkg, ver string, data []byte) (*codeartifact.PublishPackageVersionOutput, error) {
	t.Helper()
	sum := sha256.Sum256(data)
	return c.PublishPackageVersion(t.Context(), &codeartifact.PublishPackageVersionInput{
		Domain: aws.String(dom), Repository: aws.String(repo), Format: types.PackageFormatGeneric,
		Namespace: aws.String(ns), Package: aws.String(pkg), PackageVersion: aws.String(ver),
		AssetName: aws.String(pkg + ".bin"), AssetContent: bytes.NewReader(data), AssetSHA256: aws.String(hex.EncodeToString(sum[:])),
	})
}

func pgMustPublishGeneric(t *testing.T, c *codeartifact.Client, dom, repo, ns, pkg, ver string) {
	t.Helper()
	if _, err := pgPublishGeneric(t, c, dom, repo, ns, pkg, ver, []byte(repo+" "+ns+"/"+pkg+"@"+ver)); err != nil {
		t.Fatalf("PublishPackageVersion %s %s/%s@%s: %v", repo, ns, pkg, ver, err)
	}
}

// pgGenericVersions lists a generic package's versions in a repository
// (nil when the repository has no such package).
func pgGenericVersions(t *testing.T, c *codeartifact.Client, dom, repo, ns, pkg string) []string {
	t.Helper()
	out, err := c.ListPackageVersions(t.Context(), &codeartifact.ListPackageVersionsInput{Domain: aws.String(dom), Repository: aws.String(repo),
		Format: types.PackageFormatGeneric, Namespace: aws.String(ns), Package: aws.String(pkg)})
	if harness.ErrorCode(err) == "ResourceNotFoundException" {
		return nil
	}
	if err != nil {
		t.Fatalf("ListPackageVersions %s %s/%s: %v", repo, ns, pkg, err)
	}
	var vs []string
	for _, v := range out.Versions {
		vs = append(vs, aws.ToString(v.Version))
	}
	sort.Strings(vs)
	return vs
}

func pgModes(kv ...string) map[string]types.PackageGroupOriginRestrictionMode {
	m := map[string]types.PackageGroupOriginRestrictionMode{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = types.PackageGroupOriginRestrictionMode(kv[i+1])
	}
	return m
}

// TestPackageGroupHierarchy: the whole life of a hierarchy of groups
// through the SDK.
func TestPackageGroupHierarchy(t *testing.T) {
	t.Parallel()
	e := pgStart(t, "groups", "repo-a", "repo-b", "repo-c")
	ctx := t.Context()
	allow := pgWant{mode: pgAllow, effective: pgAllow}
	fromRoot := pgWant{mode: pgInherit, effective: pgAllow, inheritedFrom: pgRootPattern}

	t.Run("the root group exists with the domain", func(t *testing.T) {
		root := e.describe(t, pgRootPattern)
		if root.Parent != nil {
			t.Errorf("root has parent %s", pgParent(root))
		}
		for _, typ := range pgTypes {
			e.expectRestriction(t, root, typ, allow)
		}
		if got, _ := e.list(t, "", 0); !slices.Equal(got, []string{pgRootPattern}) {
			t.Errorf("a new domain lists groups %v, want only the root", got)
		}
		if got := e.subGroups(t, pgRootPattern); len(got) != 0 {
			t.Errorf("the root of a new domain has sub-groups %v", got)
		}
	})

	t.Run("create: parents are the nearest less specific groups", func(t *testing.T) {
		g := e.create(t, "/npm/acme/*", func(in *codeartifact.CreatePackageGroupInput) {
			in.Description = aws.String("acme's npm packages")
			in.ContactInfo = aws.String("npm@acme.example")
		})
		if pgParent(g) != pgRootPattern || aws.ToString(g.Description) != "acme's npm packages" || aws.ToString(g.ContactInfo) != "npm@acme.example" {
			t.Errorf("created /npm/acme/*: parent %q description %q contactInfo %q", pgParent(g), aws.ToString(g.Description), aws.ToString(g.ContactInfo))
		}
		for _, typ := range pgTypes {
			e.expectRestriction(t, g, typ, fromRoot)
		}
		if g := e.create(t, "/npm/acme/ui~", nil); pgParent(g) != "/npm/acme/*" {
			t.Errorf("created /npm/acme/ui~ under %q", pgParent(g))
		}
		// /npm/* comes after /npm/acme/*, which moves under it.
		if g := e.create(t, "/npm/*", nil); pgParent(g) != pgRootPattern {
			t.Errorf("created /npm/* under %q", pgParent(g))
		}
		e.create(t, "/maven/com.example~", nil)
		e.create(t, "/pypi//requests$", nil)
		for pattern, parent := range map[string]string{
			pgRootPattern: "", "/npm/*": pgRootPattern, "/npm/acme/*": "/npm/*", "/npm/acme/ui~": "/npm/acme/*",
			"/maven/com.example~": pgRootPattern, "/pypi//requests$": pgRootPattern,
		} {
			e.expectParent(t, pattern, parent)
		}
		e.expectModes(t, "/npm/acme/ui~", fromRoot, fromRoot, fromRoot)
		// ARNs: package-group/{domain}{pattern}, * and $ percent-encoded
		// (docs/behaviour.md; as the real service's ARNs show).
		for pattern, suffix := range map[string]string{
			pgRootPattern: "%2a", "/npm/*": "npm/%2a", "/npm/acme/*": "npm/acme/%2a", "/npm/acme/ui~": "npm/acme/ui~",
			"/maven/com.example~": "maven/com.example~", "/pypi//requests$": "pypi//requests%24",
		} {
			if arn := aws.ToString(e.describe(t, pattern).Arn); arn != e.arnPrefix()+suffix {
				t.Errorf("arn of %s = %q, want %q", pattern, arn, e.arnPrefix()+suffix)
			}
		}
	})

	all := []string{pgRootPattern, "/maven/com.example~", "/npm/*", "/npm/acme/*", "/npm/acme/ui~", "/pypi//requests$"}

	t.Run("ListPackageGroups: all, by prefix, in pages of two", func(t *testing.T) {
		got, _ := e.list(t, "", 0)
		sort.Strings(got)
		if !slices.Equal(got, all) {
			t.Errorf("listed %v, want %v", got, all)
		}
		for prefix, want := range map[string][]string{
			"/npm":        {"/npm/*", "/npm/acme/*", "/npm/acme/ui~"},
			"/npm/acme/":  {"/npm/acme/*", "/npm/acme/ui~"},
			"/npm/acme/u": {"/npm/acme/ui~"},
			"/maven/":     {"/maven/com.example~"},
			"/pypi//":     {"/pypi//requests$"},
			"/cargo":      nil,
			"/npm/a_me":   nil, // a prefix, not a LIKE pattern
			"/npm/%":      nil,
			"/NPM":        nil,
		} {
			got, _ := e.list(t, prefix, 0)
			sort.Strings(got)
			if !slices.Equal(got, want) {
				t.Errorf("prefix %q: listed %v, want %v", prefix, got, want)
			}
		}
		got, pages := e.list(t, "", 2)
		if len(pages) < 3 {
			t.Errorf("6 groups in pages of 2 came in %d pages %v", len(pages), pages)
		}
		for i, n := range pages {
			if n > 2 || (n == 0 && i != len(pages)-1) {
				t.Errorf("pages of maxResults 2: sizes %v", pages)
				break
			}
		}
		sorted := slices.Clone(got)
		sort.Strings(sorted)
		if !slices.Equal(sorted, all) {
			t.Errorf("pages of 2 listed %v, want each of %v once", got, all)
		}
		// The prefix still applies across pages.
		got, _ = e.list(t, "/npm", 2)
		sort.Strings(got)
		if !slices.Equal(got, []string{"/npm/*", "/npm/acme/*", "/npm/acme/ui~"}) {
			t.Errorf("prefix /npm in pages of 2: %v", got)
		}
	})

	t.Run("ListSubPackageGroups lists direct children only", func(t *testing.T) {
		for pattern, want := range map[string][]string{
			pgRootPattern:         {"/maven/com.example~", "/npm/*", "/pypi//requests$"},
			"/npm/*":              {"/npm/acme/*"},
			"/npm/acme/*":         {"/npm/acme/ui~"},
			"/npm/acme/ui~":       {},
			"/maven/com.example~": {},
		} {
			if got := e.subGroups(t, pattern); !slices.Equal(got, want) {
				t.Errorf("sub-groups of %s: %v, want %v", pattern, got, want)
			}
		}
		if got, want := e.subGroupsPaged(t, pgRootPattern, 1), []string{"/maven/com.example~", "/npm/*", "/pypi//requests$"}; !slices.Equal(got, want) {
			t.Errorf("sub-groups of the root in pages of 1: %v, want %v", got, want)
		}
		_, err := e.c.ListSubPackageGroups(ctx, &codeartifact.ListSubPackageGroupsInput{Domain: aws.String(e.dom), PackageGroup: aws.String("/npm/other/*")})
		harness.ExpectNotFound(t, err, pgResource, "")
	})

	t.Run("DescribePackageGroup of a missing group or domain", func(t *testing.T) {
		_, err := e.describeErr(t, "/npm/nothing/*")
		harness.ExpectNotFound(t, err, pgResource, "")
		_, err = e.c.DescribePackageGroup(ctx, &codeartifact.DescribePackageGroupInput{Domain: aws.String("no-such-domain"), PackageGroup: aws.String(pgRootPattern)})
		harness.ExpectNotFound(t, err, types.ResourceTypeDomain, "")
	})

	t.Run("UpdatePackageGroup changes description and contact information", func(t *testing.T) {
		arn := aws.ToString(e.describe(t, "/npm/acme/*").Arn)
		out, err := e.c.UpdatePackageGroup(ctx, &codeartifact.UpdatePackageGroupInput{Domain: aws.String(e.dom), PackageGroup: aws.String("/npm/acme/*"),
			Description: aws.String("the acme scope"), ContactInfo: aws.String("platform@acme.example")})
		if err != nil {
			t.Fatal(err)
		}
		g := out.PackageGroup
		e.checkCommon(t, "updated /npm/acme/*", g, "/npm/acme/*")
		if aws.ToString(g.Description) != "the acme scope" || aws.ToString(g.ContactInfo) != "platform@acme.example" || aws.ToString(g.Arn) != arn || pgParent(g) != "/npm/*" {
			t.Errorf("UpdatePackageGroup returned description %q contactInfo %q arn %q parent %q", aws.ToString(g.Description),
				aws.ToString(g.ContactInfo), aws.ToString(g.Arn), pgParent(g))
		}
		g = e.describe(t, "/npm/acme/*")
		if aws.ToString(g.Description) != "the acme scope" || aws.ToString(g.ContactInfo) != "platform@acme.example" {
			t.Errorf("described after the update: description %q contactInfo %q", aws.ToString(g.Description), aws.ToString(g.ContactInfo))
		}
		// Only the description: the contact information stays.
		if _, err := e.c.UpdatePackageGroup(ctx, &codeartifact.UpdatePackageGroupInput{Domain: aws.String(e.dom), PackageGroup: aws.String("/npm/acme/*"),
			Description: aws.String("acme, again")}); err != nil {
			t.Fatal(err)
		}
		g = e.describe(t, "/npm/acme/*")
		if aws.ToString(g.Description) != "acme, again" || aws.ToString(g.ContactInfo) != "platform@acme.example" {
			t.Errorf("after updating the description only: description %q contactInfo %q", aws.ToString(g.Description), aws.ToString(g.ContactInfo))
		}
		// The root too.
		if _, err := e.c.UpdatePackageGroup(ctx, &codeartifact.UpdatePackageGroupInput{Domain: aws.String(e.dom), PackageGroup: aws.String(pgRootPattern),
			Description: aws.String("everything")}); err != nil {
			t.Fatalf("UpdatePackageGroup of the root: %v", err)
		}
		if d := aws.ToString(e.describe(t, pgRootPattern).Description); d != "everything" {
			t.Errorf("root description %q", d)
		}
		_, err = e.c.UpdatePackageGroup(ctx, &codeartifact.UpdatePackageGroupInput{Domain: aws.String(e.dom), PackageGroup: aws.String("/npm/nothing/*"),
			Description: aws.String("x")})
		harness.ExpectNotFound(t, err, pgResource, "")
		_, err = e.c.UpdatePackageGroup(ctx, &codeartifact.UpdatePackageGroupInput{Domain: aws.String(e.dom), PackageGroup: aws.String("/npm/acme/*"),
			Description: aws.String(strings.Repeat("d", 1001))})
		harness.ExpectValidation(t, err)
		if d := aws.ToString(e.describe(t, "/npm/acme/*").Description); d != "acme, again" {
			t.Errorf("a refused update changed the description to %q", d)
		}
	})

	t.Run("a parent's mode is inherited, and follows the parent's changes", func(t *testing.T) {
		out := e.setOrigin(t, "/npm/*", pgModes("PUBLISH", "BLOCK"), nil, nil)
		e.expectRestriction(t, out.PackageGroup, pgPublish, pgWant{mode: pgBlock, effective: pgBlock})
		e.expectRestriction(t, out.PackageGroup, pgExternal, fromRoot)
		if u := pgUpdates(out.AllowedRepositoryUpdates); len(u) != 0 {
			t.Errorf("allowedRepositoryUpdates %v for a mode change alone", u)
		}
		fromNPM := pgWant{mode: pgInherit, effective: pgBlock, inheritedFrom: "/npm/*"}
		e.expectModes(t, "/npm/acme/*", fromNPM, fromRoot, fromRoot)
		e.expectModes(t, "/npm/acme/ui~", fromNPM, fromRoot, fromRoot)
		e.expectModes(t, "/maven/com.example~", fromRoot, fromRoot, fromRoot)

		e.set(t, "/npm/*", pgPublish, pgAllow)
		fromNPM.effective = pgAllow
		e.expectModes(t, "/npm/acme/*", fromNPM, fromRoot, fromRoot)

		// A closer ancestor that sets a mode wins over a farther one.
		e.set(t, "/npm/*", pgPublish, pgBlock)
		e.set(t, "/npm/acme/*", pgPublish, pgAllow)
		e.expectModes(t, "/npm/acme/ui~", pgWant{mode: pgInherit, effective: pgAllow, inheritedFrom: "/npm/acme/*"}, fromRoot, fromRoot)
		e.set(t, "/npm/acme/*", pgPublish, pgInherit)
		e.expectModes(t, "/npm/acme/ui~", pgWant{mode: pgInherit, effective: pgBlock, inheritedFrom: "/npm/*"}, fromRoot, fromRoot)

		// The root's own changes reach every group that inherits.
		e.set(t, pgRootPattern, pgInternal, pgBlock)
		e.expectModes(t, "/npm/acme/*", pgWant{mode: pgInherit, effective: pgBlock, inheritedFrom: "/npm/*"}, fromRoot,
			pgWant{mode: pgInherit, effective: pgBlock, inheritedFrom: pgRootPattern})
		e.set(t, pgRootPattern, pgInternal, pgAllow)
		e.expectModes(t, "/pypi//requests$", fromRoot, fromRoot, fromRoot)
	})

	t.Run("the root's modes cannot be INHERIT; unknown types and modes are refused", func(t *testing.T) {
		_, err := e.setOriginErr(t, pgRootPattern, pgModes("PUBLISH", "INHERIT"), nil, nil)
		harness.ExpectValidation(t, err)
		_, err = e.setOriginErr(t, "/npm/*", pgModes("DOWNLOAD", "BLOCK"), nil, nil)
		harness.ExpectValidation(t, err)
		_, err = e.setOriginErr(t, "/npm/*", pgModes("PUBLISH", "MAYBE"), nil, nil)
		harness.ExpectValidation(t, err)
		_, err = e.setOriginErr(t, "/npm/nothing/*", pgModes("PUBLISH", "BLOCK"), nil, nil)
		harness.ExpectNotFound(t, err, pgResource, "")
		e.expectModes(t, pgRootPattern, allow, allow, allow)
		e.expectModes(t, "/npm/*", pgWant{mode: pgBlock, effective: pgBlock}, fromRoot, fromRoot)
	})

	t.Run("ALLOW_SPECIFIC_REPOSITORIES: allowed lists, updates and counts", func(t *testing.T) {
		out := e.setOrigin(t, "/npm/*", pgModes("EXTERNAL_UPSTREAM", "ALLOW_SPECIFIC_REPOSITORIES"),
			[]types.PackageGroupAllowedRepository{pgRepo("repo-a", pgExternal), pgRepo("repo-b", pgExternal), pgRepo("repo-a", pgInternal)}, nil)
		if got, want := pgUpdates(out.AllowedRepositoryUpdates), []string{"EXTERNAL_UPSTREAM ADDED repo-a,repo-b", "INTERNAL_UPSTREAM ADDED repo-a"}; !slices.Equal(got, want) {
			t.Errorf("allowedRepositoryUpdates %v, want %v", got, want)
		}
		e.expectRestriction(t, out.PackageGroup, pgExternal, pgWant{mode: pgSpecific, effective: pgSpecific, count: 2})
		// INTERNAL_UPSTREAM has a list but is not ALLOW_SPECIFIC_REPOSITORIES.
		e.expectRestriction(t, out.PackageGroup, pgInternal, fromRoot)
		e.expectModes(t, "/npm/acme/*", pgWant{mode: pgInherit, effective: pgBlock, inheritedFrom: "/npm/*"},
			pgWant{mode: pgInherit, effective: pgSpecific, inheritedFrom: "/npm/*", count: 2}, fromRoot)
		for typ, want := range map[types.PackageGroupOriginRestrictionType][]string{
			pgExternal: {"repo-a", "repo-b"}, pgInternal: {"repo-a"}, pgPublish: {},
		} {
			if got := e.allowed(t, "/npm/*", typ); !slices.Equal(got, want) {
				t.Errorf("allowed repositories of /npm/* for %s: %v, want %v", typ, got, want)
			}
		}
		if got := e.allowedPaged(t, "/npm/*", pgExternal, 1); !slices.Equal(got, []string{"repo-a", "repo-b"}) {
			t.Errorf("allowed repositories of /npm/* for EXTERNAL_UPSTREAM in pages of 1: %v", got)
		}
		if got := e.allowed(t, "/npm/acme/*", pgExternal); len(got) != 0 {
			t.Errorf("a child lists its parent's allowed repositories as its own: %v", got)
		}

		// Adding one already there and removing one: only real changes reported.
		out = e.setOrigin(t, "/npm/*", nil, []types.PackageGroupAllowedRepository{pgRepo("repo-a", pgExternal), pgRepo("repo-c", pgExternal)},
			[]types.PackageGroupAllowedRepository{pgRepo("repo-b", pgExternal)})
		if got, want := pgUpdates(out.AllowedRepositoryUpdates), []string{"EXTERNAL_UPSTREAM ADDED repo-c", "EXTERNAL_UPSTREAM REMOVED repo-b"}; !slices.Equal(got, want) {
			t.Errorf("allowedRepositoryUpdates %v, want %v", got, want)
		}
		e.expectRestriction(t, out.PackageGroup, pgExternal, pgWant{mode: pgSpecific, effective: pgSpecific, count: 2})
		out = e.setOrigin(t, "/npm/*", nil, nil, []types.PackageGroupAllowedRepository{pgRepo("repo-b", pgExternal), pgRepo("repo-c", pgExternal)})
		if got, want := pgUpdates(out.AllowedRepositoryUpdates), []string{"EXTERNAL_UPSTREAM REMOVED repo-c"}; !slices.Equal(got, want) {
			t.Errorf("allowedRepositoryUpdates %v, want %v (repo-b was not in the list)", got, want)
		}
		e.expectRestriction(t, out.PackageGroup, pgExternal, pgWant{mode: pgSpecific, effective: pgSpecific, count: 1})
		if got := e.allowed(t, "/npm/*", pgExternal); !slices.Equal(got, []string{"repo-a"}) {
			t.Errorf("allowed repositories after the removals: %v", got)
		}
		e.expectModes(t, "/npm/acme/ui~", pgWant{mode: pgInherit, effective: pgBlock, inheritedFrom: "/npm/*"},
			pgWant{mode: pgInherit, effective: pgSpecific, inheritedFrom: "/npm/*", count: 1}, fromRoot)

		// A repository the domain does not have: refused, nothing changes.
		_, err := e.setOriginErr(t, "/npm/*", pgModes("PUBLISH", "ALLOW"), []types.PackageGroupAllowedRepository{pgRepo("repo-b", pgExternal), pgRepo("ghost", pgExternal)}, nil)
		harness.ExpectNotFound(t, err, types.ResourceTypeRepository, "ghost")
		if got := e.allowed(t, "/npm/*", pgExternal); !slices.Equal(got, []string{"repo-a"}) {
			t.Errorf("allowed repositories after a refused update: %v", got)
		}
		e.expectRestriction(t, e.describe(t, "/npm/*"), pgPublish, pgWant{mode: pgBlock, effective: pgBlock})

		// The list survives a mode change away and back.
		e.set(t, "/npm/*", pgExternal, pgAllow)
		e.expectRestriction(t, e.describe(t, "/npm/*"), pgExternal, pgWant{mode: pgAllow, effective: pgAllow})
		e.set(t, "/npm/*", pgExternal, pgSpecific)
		e.expectRestriction(t, e.describe(t, "/npm/*"), pgExternal, pgWant{mode: pgSpecific, effective: pgSpecific, count: 1})

		_, err = e.c.ListAllowedRepositoriesForGroup(ctx, &codeartifact.ListAllowedRepositoriesForGroupInput{Domain: aws.String(e.dom),
			PackageGroup: aws.String("/npm/nothing/*"), OriginRestrictionType: pgPublish})
		harness.ExpectNotFound(t, err, pgResource, "")
		// originRestrictionType is required (the SDK checks it before
		// sending, so this goes on the wire by hand).
		resp := e.s.SignedRequest(t, http.MethodGet, "/v1/package-group-allowed-repositories",
			url.Values{"domain": {e.dom}, "package-group": {"/npm/*"}}, nil, "")
		harness.ExpectWireError(t, resp, http.StatusBadRequest, "ValidationException")
	})

	t.Run("DeletePackageGroup re-parents children, which inherit anew", func(t *testing.T) {
		arn := aws.ToString(e.describe(t, "/npm/*").Arn)
		out, err := e.c.DeletePackageGroup(ctx, &codeartifact.DeletePackageGroupInput{Domain: aws.String(e.dom), PackageGroup: aws.String("/npm/*")})
		if err != nil {
			t.Fatal(err)
		}
		if out.PackageGroup == nil || aws.ToString(out.PackageGroup.Pattern) != "/npm/*" || aws.ToString(out.PackageGroup.Arn) != arn {
			t.Errorf("DeletePackageGroup returned %+v", out.PackageGroup)
		}
		_, err = e.describeErr(t, "/npm/*")
		harness.ExpectNotFound(t, err, pgResource, "")
		e.expectParent(t, "/npm/acme/*", pgRootPattern)
		e.expectParent(t, "/npm/acme/ui~", "/npm/acme/*")
		// PUBLISH was BLOCK and EXTERNAL_UPSTREAM specific repositories
		// from /npm/*: now the root's ALLOW.
		e.expectModes(t, "/npm/acme/*", fromRoot, fromRoot, fromRoot)
		e.expectModes(t, "/npm/acme/ui~", pgWant{mode: pgInherit, effective: pgAllow, inheritedFrom: pgRootPattern}, fromRoot, fromRoot)
		if got, want := e.subGroups(t, pgRootPattern), []string{"/maven/com.example~", "/npm/acme/*", "/pypi//requests$"}; !slices.Equal(got, want) {
			t.Errorf("sub-groups of the root after the delete: %v, want %v", got, want)
		}
		if p, _ := e.associated(t, types.PackageFormatNpm, "", "lodash"); p != pgRootPattern {
			t.Errorf("an unscoped npm package is associated with %s after /npm/* went, want the root", p)
		}
		_, err = e.c.DeletePackageGroup(ctx, &codeartifact.DeletePackageGroupInput{Domain: aws.String(e.dom), PackageGroup: aws.String("/npm/*")})
		harness.ExpectNotFound(t, err, pgResource, "")
		// Created again, it takes its children back, with nothing of the
		// deleted group's configuration.
		g := e.create(t, "/npm/*", nil)
		e.expectRestriction(t, g, pgPublish, fromRoot)
		e.expectParent(t, "/npm/acme/*", "/npm/*")
		if got := e.allowed(t, "/npm/*", pgExternal); len(got) != 0 {
			t.Errorf("a re-created group has the old one's allowed repositories %v", got)
		}
	})

	t.Run("the root group cannot be deleted", func(t *testing.T) {
		_, err := e.c.DeletePackageGroup(ctx, &codeartifact.DeletePackageGroupInput{Domain: aws.String(e.dom), PackageGroup: aws.String(pgRootPattern)})
		harness.ExpectValidation(t, err)
		e.expectModes(t, pgRootPattern, allow, allow, allow)
		if got := e.subGroups(t, pgRootPattern); !slices.Contains(got, "/npm/*") {
			t.Errorf("sub-groups of the root after a refused delete: %v", got)
		}
	})

	t.Run("a duplicate is a conflict", func(t *testing.T) {
		for _, p := range []string{"/npm/acme/*", pgRootPattern} {
			_, err := e.createErr(t, p, nil)
			harness.ExpectConflict(t, err, pgResource, "")
		}
		if d := aws.ToString(e.describe(t, "/npm/acme/*").Description); d != "acme, again" {
			t.Errorf("a refused duplicate changed the group: description %q", d)
		}
		// Patterns are case-sensitive identifiers: another case is another group.
		e.create(t, "/npm/Acme/*", nil)
		e.expectParent(t, "/npm/Acme/*", "/npm/*")
	})

	t.Run("invalid patterns are refused", func(t *testing.T) {
		before, _ := e.list(t, "", 0)
		for _, p := range []string{
			"npm/*",              // no leading /
			"/npm/acme*",         // * not right after /
			"/npm/acme/",         // no suffix
			"/pypi/ns/requests$", // PyPI has no namespace
			"/maven//x$",         // Maven needs one
			"/npm/*/x",           // * only at the end
			"/nosuchformat/*",    // not a format
			"/npm/a-~",           // ~ after a non-word character
			"/npm~",              // ~ on the format
			"/npm/acme/ui~/x$",   // too deep
			"/pypi//Requests$",   // not normalized
			"/npm$",              // $ needs a name
		} {
			_, err := e.createErr(t, p, nil)
			if err == nil {
				t.Errorf("CreatePackageGroup %q succeeded", p)
				continue
			}
			v := harness.ExpectValidation(t, err)
			t.Logf("%q: %s", p, aws.ToString(v.Message))
		}
		after, _ := e.list(t, "", 0)
		if len(after) != len(before) {
			t.Errorf("refused creates changed the groups: %v -> %v", before, after)
		}
		// The same patterns are refused by the other operations too.
		_, err := e.describeErr(t, "/npm/acme*")
		harness.ExpectValidation(t, err)
		_, err = e.c.CreatePackageGroup(ctx, &codeartifact.CreatePackageGroupInput{Domain: aws.String(e.dom), PackageGroup: aws.String("/npm/long~"),
			Description: aws.String(strings.Repeat("x", 1001))})
		harness.ExpectValidation(t, err)
		_, err = e.c.CreatePackageGroup(ctx, &codeartifact.CreatePackageGroupInput{Domain: aws.String("no-such-domain"), PackageGroup: aws.String("/npm/*")})
		harness.ExpectNotFound(t, err, types.ResourceTypeDomain, "")
	})
}

// TestPackageGroupAssociation: GetAssociatedPackageGroup (most specific
// match, word boundaries, exact names, normalized PyPI names, STRONG and
// WEAK, packages that exist nowhere) and ListAssociatedPackages (packages
// of every repository, once each; preview of a group not created).
func TestPackageGroupAssociation(t *testing.T) {
	t.Parallel()
	e := pgStart(t, "assoc", "repo-1", "repo-2")
	for _, p := range []string{"/npm/*", "/npm/acme/*", "/npm/acme/ui~", "/npm//lodash$", "/npm//AsyncStorage$", "/npm//foo-bar$",
		"/maven/com.example~", "/maven/org.apache.logging.log4j/log4j-core$", "/pypi//requests$", "/generic/tools/*", "/generic/weak/Tool$"} {
		e.create(t, p, nil)
	}
	const strong, weak = types.PackageGroupAssociationTypeStrong, types.PackageGroupAssociationTypeWeak

	t.Run("GetAssociatedPackageGroup", func(t *testing.T) {
		for _, c := range []struct {
			format     types.PackageFormat
			ns, pkg    string
			group      string
			assocation types.PackageGroupAssociationType
		}{
			{types.PackageFormatNpm, "acme", "ui", "/npm/acme/ui~", strong},
			{types.PackageFormatNpm, "acme", "ui-kit", "/npm/acme/ui~", strong},  // - ends a word
			{types.PackageFormatNpm, "acme", "ui.core", "/npm/acme/ui~", strong}, // . too
			{types.PackageFormatNpm, "acme", "uikit", "/npm/acme/*", strong},     // no boundary
			{types.PackageFormatNpm, "acme", "UI", "/npm/acme/ui~", weak},        // another case: a variation
			{types.PackageFormatNpm, "acme", "core", "/npm/acme/*", strong},
			{types.PackageFormatNpm, "acmes", "ui", "/npm/*", strong},
			{types.PackageFormatNpm, "", "lodash", "/npm//lodash$", strong},
			{types.PackageFormatNpm, "", "lodash-es", "/npm/*", strong}, // $ is exact
			{types.PackageFormatNpm, "", "AsyncStorage", "/npm//AsyncStorage$", strong},
			{types.PackageFormatNpm, "", "asyncstorage", "/npm//AsyncStorage$", weak}, // case
			{types.PackageFormatNpm, "", "ASYNCSTORAGE", "/npm//AsyncStorage$", weak},
			{types.PackageFormatNpm, "", "async-storage", "/npm/*", strong}, // a separator is not a variation of none
			{types.PackageFormatNpm, "", "foo-bar", "/npm//foo-bar$", strong},
			{types.PackageFormatNpm, "", "foo_bar", "/npm//foo-bar$", weak},
			{types.PackageFormatNpm, "", "foo.bar", "/npm//foo-bar$", weak},
			{types.PackageFormatNpm, "", "foo..bar", "/npm//foo-bar$", weak},
			{types.PackageFormatNpm, "", "foobar", "/npm/*", strong},
			{types.PackageFormatMaven, "com.example", "lib", "/maven/com.example~", strong},
			{types.PackageFormatMaven, "com.example.sub", "lib", "/maven/com.example~", strong},
			{types.PackageFormatMaven, "com.examples", "lib", pgRootPattern, strong},
			{types.PackageFormatMaven, "org.apache.logging.log4j", "log4j-core", "/maven/org.apache.logging.log4j/log4j-core$", strong},
			{types.PackageFormatMaven, "org.apache.logging.log4j", "log4j-api", pgRootPattern, strong},
			{types.PackageFormatPypi, "", "requests", "/pypi//requests$", strong},
			{types.PackageFormatPypi, "", "Requests", "/pypi//requests$", strong}, // PyPI names are normalized
			{types.PackageFormatPypi, "", "requests-toolbelt", pgRootPattern, strong},
			{types.PackageFormatGeneric, "tools", "hello", "/generic/tools/*", strong},
			{types.PackageFormatGeneric, "tool", "hello", pgRootPattern, strong},
			{types.PackageFormatGeneric, "weak", "Tool", "/generic/weak/Tool$", strong},
			{types.PackageFormatGeneric, "weak", "tool", "/generic/weak/Tool$", weak},
			{types.PackageFormatNuget, "", "Newtonsoft.Json", pgRootPattern, strong},
		} {
			g, a := e.associated(t, c.format, c.ns, c.pkg)
			if g != c.group || a != c.assocation {
				t.Errorf("%s %q %q: associated with %s %s, want %s %s", c.format, c.ns, c.pkg, g, a, c.group, c.assocation)
			}
		}
		_, err := e.c.GetAssociatedPackageGroup(t.Context(), &codeartifact.GetAssociatedPackageGroupInput{Domain: aws.String("no-such-domain"),
			Format: types.PackageFormatNpm, Package: aws.String("x")})
		harness.ExpectNotFound(t, err, types.ResourceTypeDomain, "")
	})

	t.Run("a WEAK association blocks publishing whatever the group allows", func(t *testing.T) {
		_, err := pgPublishGeneric(t, e.c, e.dom, "repo-1", "weak", "tool", "1.0.0", []byte("weak"))
		if d := harness.ExpectAccessDenied(t, err); !strings.Contains(aws.ToString(d.Message), "/generic/weak/Tool$") {
			t.Errorf("message %q does not name the group", aws.ToString(d.Message))
		}
		if vs := pgGenericVersions(t, e.c, e.dom, "repo-1", "weak", "tool"); vs != nil {
			t.Errorf("a refused publish stored %v", vs)
		}
		pgMustPublishGeneric(t, e.c, e.dom, "repo-1", "weak", "Tool", "1.0.0") // the STRONG one
	})

	t.Run("ListAssociatedPackages lists each package of the domain once", func(t *testing.T) {
		pgMustPublishGeneric(t, e.c, e.dom, "repo-1", "tools", "hello", "1.0.0")
		pgMustPublishGeneric(t, e.c, e.dom, "repo-1", "tools", "world", "1.0.0")
		pgMustPublishGeneric(t, e.c, e.dom, "repo-2", "tools", "hello", "2.0.0")
		pgMustPublishGeneric(t, e.c, e.dom, "repo-2", "tools", "zeta", "1.0.0")
		pgMustPublishGeneric(t, e.c, e.dom, "repo-2", "toolsmith", "anvil", "1.0.0")
		pgMustPublishGeneric(t, e.c, e.dom, "repo-2", "other", "thing", "1.0.0")
		want := []string{"generic/tools/hello STRONG", "generic/tools/world STRONG", "generic/tools/zeta STRONG"}
		if got := e.associatedPackages(t, "/generic/tools/*", false, 0); !slices.Equal(got, want) {
			t.Errorf("/generic/tools/*: %v, want %v", got, want)
		}
		if got := e.associatedPackages(t, "/generic/tools/*", false, 1); !slices.Equal(got, want) {
			t.Errorf("/generic/tools/* in pages of 1: %v, want %v", got, want)
		}
		// The root has what no more specific group takes.
		if got, want := e.associatedPackages(t, pgRootPattern, false, 0), []string{"generic/other/thing STRONG", "generic/toolsmith/anvil STRONG"}; !slices.Equal(got, want) {
			t.Errorf("/*: %v, want %v", got, want)
		}
		if got, want := e.associatedPackages(t, "/generic/weak/Tool$", false, 0), []string{"generic/weak/Tool STRONG"}; !slices.Equal(got, want) {
			t.Errorf("/generic/weak/Tool$: %v, want %v", got, want)
		}
		if got := e.associatedPackages(t, "/npm/*", false, 0); len(got) != 0 {
			t.Errorf("/npm/* with no npm package: %v", got)
		}

		// preview: a group not created yet shows who would move to it.
		_, err := e.associatedPackagesErr(t, "/generic/tools/hello$", false, 0)
		harness.ExpectNotFound(t, err, pgResource, "")
		if got, want := e.associatedPackages(t, "/generic/tools/hello$", true, 0), []string{"generic/tools/hello STRONG"}; !slices.Equal(got, want) {
			t.Errorf("preview /generic/tools/hello$: %v, want %v", got, want)
		}
		// The more specific groups keep theirs.
		if got, want := e.associatedPackages(t, "/generic/*", true, 0), []string{"generic/other/thing STRONG", "generic/toolsmith/anvil STRONG"}; !slices.Equal(got, want) {
			t.Errorf("preview /generic/*: %v, want %v (tools/* and weak/Tool$ are more specific)", got, want)
		}
		if got := e.associatedPackages(t, "/generic/tool~", true, 0); len(got) != 0 {
			t.Errorf("preview /generic/tool~: %v, want none (tools and toolsmith do not end a word after tool)", got)
		}
		// preview of a group that exists is its list.
		if got := e.associatedPackages(t, "/generic/tools/*", true, 0); !slices.Equal(got, want) {
			t.Errorf("preview of an existing group: %v, want %v", got, want)
		}
		// Nothing was created by the previews.
		if _, err := e.describeErr(t, "/generic/tools/hello$"); harness.ErrorCode(err) != "ResourceNotFoundException" {
			t.Errorf("a preview created its group: %v", err)
		}
		if got := e.associatedPackages(t, "/generic/tools/*", false, 0); len(got) != 3 {
			t.Errorf("/generic/tools/* after the previews: %v", got)
		}
		// Once created, the exact group takes hello from tools/*.
		e.create(t, "/generic/tools/hello$", nil)
		if got, want := e.associatedPackages(t, "/generic/tools/*", false, 0), []string{"generic/tools/world STRONG", "generic/tools/zeta STRONG"}; !slices.Equal(got, want) {
			t.Errorf("/generic/tools/* after creating /generic/tools/hello$: %v, want %v", got, want)
		}
		if g, _ := e.associated(t, types.PackageFormatGeneric, "tools", "hello"); g != "/generic/tools/hello$" {
			t.Errorf("tools/hello is associated with %s", g)
		}
	})
}

// TestPackageGroupTags: tags given on create, and TagResource,
// UntagResource and ListTagsForResource on group ARNs; a deleted group's
// tags go with it.
func TestPackageGroupTags(t *testing.T) {
	t.Parallel()
	e := pgStart(t, "tagged")
	ctx := t.Context()
	g := e.create(t, "/npm/acme/*", func(in *codeartifact.CreatePackageGroupInput) { in.Tags = harness.Tags("team", "web", "empty", "") })
	arn := aws.ToString(g.Arn)
	other := aws.ToString(e.create(t, "/npm/acme/ui~", nil).Arn)
	rootARN := aws.ToString(e.describe(t, pgRootPattern).Arn)
	if arn == other || arn == rootARN || other == rootARN {
		t.Fatalf("group ARNs are not distinct: %s %s %s", arn, other, rootARN)
	}
	cpExpectTags(t, e.c, arn, map[string]string{"team": "web", "empty": ""})
	cpExpectTags(t, e.c, other, map[string]string{})
	cpExpectTags(t, e.c, rootARN, map[string]string{})

	if _, err := e.c.TagResource(ctx, &codeartifact.TagResourceInput{ResourceArn: aws.String(arn), Tags: harness.Tags("team", "mobile", "tier", "1")}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	cpExpectTags(t, e.c, arn, map[string]string{"team": "mobile", "tier": "1", "empty": ""})
	if _, err := e.c.TagResource(ctx, &codeartifact.TagResourceInput{ResourceArn: aws.String(rootARN), Tags: harness.Tags("scope", "all")}); err != nil {
		t.Fatalf("TagResource on the root: %v", err)
	}
	cpExpectTags(t, e.c, rootARN, map[string]string{"scope": "all"})
	cpExpectTags(t, e.c, other, map[string]string{})
	if _, err := e.c.UntagResource(ctx, &codeartifact.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"empty", "never-set"}}); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	cpExpectTags(t, e.c, arn, map[string]string{"team": "mobile", "tier": "1"})
	cpExpectTags(t, e.c, e.s.DomainARN("", e.dom), map[string]string{})

	// A group that no longer exists has no tags to list or set.
	if _, err := e.c.DeletePackageGroup(ctx, &codeartifact.DeletePackageGroupInput{Domain: aws.String(e.dom), PackageGroup: aws.String("/npm/acme/ui~")}); err != nil {
		t.Fatal(err)
	}
	_, err := e.c.TagResource(ctx, &codeartifact.TagResourceInput{ResourceArn: aws.String(other), Tags: harness.Tags("a", "b")})
	harness.ExpectNotFound(t, err, pgResource, "")
	_, err = e.c.ListTagsForResource(ctx, &codeartifact.ListTagsForResourceInput{ResourceArn: aws.String(other)})
	harness.ExpectNotFound(t, err, pgResource, "")

	// Deleted and created again: no tags.
	if _, err := e.c.DeletePackageGroup(ctx, &codeartifact.DeletePackageGroupInput{Domain: aws.String(e.dom), PackageGroup: aws.String("/npm/acme/*")}); err != nil {
		t.Fatal(err)
	}
	if g := e.create(t, "/npm/acme/*", nil); aws.ToString(g.Arn) != arn {
		t.Errorf("re-created group ARN %s, was %s", aws.ToString(g.Arn), arn)
	}
	cpExpectTags(t, e.c, arn, map[string]string{})
}

// TestPackageGroupPublishEnforcement: PUBLISH decides PublishPackageVersion
// (AccessDenied, nothing stored) and CopyPackageVersions into a
// repository (NOT_ALLOWED); ALLOW_SPECIFIC_REPOSITORIES allows only the
// listed repositories; a group's BLOCK wins over a package's ALLOW.
func TestPackageGroupPublishEnforcement(t *testing.T) {
	t.Parallel()
	e := pgStart(t, "enforce", "src", "dst")
	ctx := t.Context()
	e.create(t, "/generic/locked/*", nil)
	pgMustPublishGeneric(t, e.c, e.dom, "src", "locked", "tool", "1.0.0")

	denied := func(repo, ver string) {
		t.Helper()
		_, err := pgPublishGeneric(t, e.c, e.dom, repo, "locked", "tool", ver, []byte("refused "+ver))
		if d := harness.ExpectAccessDenied(t, err); !strings.Contains(aws.ToString(d.Message), "/generic/locked/*") {
			t.Errorf("message %q does not name the group", aws.ToString(d.Message))
		}
	}
	copyToDst := func(ver string) *codeartifact.CopyPackageVersionsOutput {
		t.Helper()
		out, err := e.c.CopyPackageVersions(ctx, &codeartifact.CopyPackageVersionsInput{Domain: aws.String(e.dom),
			SourceRepository: aws.String("src"), DestinationRepository: aws.String("dst"), Format: types.PackageFormatGeneric,
			Namespace: aws.String("locked"), Package: aws.String("tool"), Versions: []string{ver}})
		if err != nil {
			t.Fatalf("CopyPackageVersions %s: %v", ver, err)
		}
		return out
	}

	t.Run("PUBLISH=BLOCK refuses publishing and copying", func(t *testing.T) {
		e.set(t, "/generic/locked/*", pgPublish, pgBlock)
		denied("src", "2.0.0")
		denied("dst", "2.0.0")
		if vs := pgGenericVersions(t, e.c, e.dom, "src", "locked", "tool"); !slices.Equal(vs, []string{"1.0.0"}) {
			t.Errorf("src has %v after a refused publish", vs)
		}
		if vs := pgGenericVersions(t, e.c, e.dom, "dst", "locked", "tool"); vs != nil {
			t.Errorf("dst has %v after a refused publish", vs)
		}
		out := copyToDst("1.0.0")
		if f, ok := out.FailedVersions["1.0.0"]; !ok || f.ErrorCode != types.PackageVersionErrorCodeNotAllowed || len(out.SuccessfulVersions) != 0 {
			t.Errorf("copy into a PUBLISH=BLOCK group: successful %v failed %+v, want 1.0.0 NOT_ALLOWED", out.SuccessfulVersions, out.FailedVersions)
		}
		if vs := pgGenericVersions(t, e.c, e.dom, "dst", "locked", "tool"); vs != nil {
			t.Errorf("dst has %v after a refused copy", vs)
		}
		// Other packages are not in the group.
		pgMustPublishGeneric(t, e.c, e.dom, "dst", "open", "tool", "1.0.0")
		pgMustPublishGeneric(t, e.c, e.dom, "dst", "lockedx", "tool", "1.0.0")
	})

	t.Run("a child group inherits the block, a parent's BLOCK reaches its children", func(t *testing.T) {
		e.create(t, "/generic/locked/tool~", nil)
		denied("dst", "2.0.1")
		e.set(t, "/generic/locked/tool~", pgPublish, pgAllow) // the most specific group decides
		pgMustPublishGeneric(t, e.c, e.dom, "dst", "locked", "tool", "2.0.1")
		if _, err := e.c.DeletePackageGroup(ctx, &codeartifact.DeletePackageGroupInput{Domain: aws.String(e.dom), PackageGroup: aws.String("/generic/locked/tool~")}); err != nil {
			t.Fatal(err)
		}
		denied("dst", "2.0.2")
		// The root's BLOCK reaches every group that inherits.
		e.set(t, pgRootPattern, pgPublish, pgBlock)
		_, err := pgPublishGeneric(t, e.c, e.dom, "dst", "open", "tool", "1.0.1", []byte("root blocks"))
		harness.ExpectAccessDenied(t, err)
		e.set(t, pgRootPattern, pgPublish, pgAllow)
		pgMustPublishGeneric(t, e.c, e.dom, "dst", "open", "tool", "1.0.1")
	})

	t.Run("a group's BLOCK wins over a package's ALLOW", func(t *testing.T) {
		if _, err := e.c.PutPackageOriginConfiguration(ctx, &codeartifact.PutPackageOriginConfigurationInput{Domain: aws.String(e.dom),
			Repository: aws.String("dst"), Format: types.PackageFormatGeneric, Namespace: aws.String("locked"), Package: aws.String("tool"),
			Restrictions: &types.PackageOriginRestrictions{Publish: types.AllowPublishAllow, Upstream: types.AllowUpstreamAllow}}); err != nil {
			t.Fatal(err)
		}
		denied("dst", "2.1.0")
	})

	t.Run("ALLOW_SPECIFIC_REPOSITORIES allows the listed repositories only", func(t *testing.T) {
		e.setOrigin(t, "/generic/locked/*", pgModes("PUBLISH", "ALLOW_SPECIFIC_REPOSITORIES"), []types.PackageGroupAllowedRepository{pgRepo("src", pgPublish)}, nil)
		pgMustPublishGeneric(t, e.c, e.dom, "src", "locked", "tool", "3.0.0")
		denied("dst", "3.0.0")
		out := copyToDst("3.0.0")
		if f, ok := out.FailedVersions["3.0.0"]; !ok || f.ErrorCode != types.PackageVersionErrorCodeNotAllowed {
			t.Errorf("copy into a repository not listed: successful %v failed %+v, want NOT_ALLOWED", out.SuccessfulVersions, out.FailedVersions)
		}
		// An allowed list for another type does not count.
		e.setOrigin(t, "/generic/locked/*", nil, []types.PackageGroupAllowedRepository{pgRepo("dst", pgExternal)}, nil)
		denied("dst", "3.0.1")
		e.setOrigin(t, "/generic/locked/*", nil, []types.PackageGroupAllowedRepository{pgRepo("dst", pgPublish)}, []types.PackageGroupAllowedRepository{pgRepo("src", pgPublish)})
		out = copyToDst("3.0.0")
		if _, ok := out.SuccessfulVersions["3.0.0"]; !ok || len(out.FailedVersions) != 0 {
			t.Errorf("copy into a listed repository: successful %v failed %+v", out.SuccessfulVersions, out.FailedVersions)
		}
		denied("src", "3.0.2")
	})

	t.Run("ALLOW again: publishing and copying work", func(t *testing.T) {
		e.set(t, "/generic/locked/*", pgPublish, pgAllow)
		pgMustPublishGeneric(t, e.c, e.dom, "src", "locked", "tool", "4.0.0")
		pgMustPublishGeneric(t, e.c, e.dom, "dst", "locked", "tool", "4.0.1")
		out := copyToDst("1.0.0")
		if _, ok := out.SuccessfulVersions["1.0.0"]; !ok || len(out.FailedVersions) != 0 {
			t.Errorf("copy with PUBLISH=ALLOW: successful %v failed %+v", out.SuccessfulVersions, out.FailedVersions)
		}
		if vs, want := pgGenericVersions(t, e.c, e.dom, "dst", "locked", "tool"), []string{"1.0.0", "2.0.1", "3.0.0", "4.0.1"}; !slices.Equal(vs, want) {
			t.Errorf("dst has %v, want %v", vs, want)
		}
		if vs, want := pgGenericVersions(t, e.c, e.dom, "src", "locked", "tool"), []string{"1.0.0", "3.0.0", "4.0.0"}; !slices.Equal(vs, want) {
			t.Errorf("src has %v, want %v", vs, want)
		}
	})
}

// TestPackageGroupHierarchyShapes: a chain of Maven groups, from /maven/*
// through namespace prefixes (a prefix contains the longer prefixes that
// go on after a word boundary), /fmt/ns/*, name prefixes and an exact
// name, created all at once in parallel and then half deleted in
// parallel: each group's parent is the nearest less specific one that
// exists, whatever the order of the requests. Siblings that only look
// alike are not nested.
func TestPackageGroupHierarchyShapes(t *testing.T) {
	t.Parallel()
	e := pgStart(t, "shapes")
	chain := []string{
		"/maven/*", "/maven/com~", "/maven/com.acme~", "/maven/com.acme.tools~", "/maven/com.acme.tools/*",
		"/maven/com.acme.tools/cli~", "/maven/com.acme.tools/cli-core~", "/maven/com.acme.tools/cli-core$",
	}
	// Not in the chain: no word boundary after the chain's prefix.
	siblings := map[string]string{
		"/maven/company~":                   "/maven/*",
		"/maven/com.acmex~":                 "/maven/com~",
		"/maven/com.acme.tools/client~":     "/maven/com.acme.tools/*",
		"/maven/com.acme.tools/cli-corex$":  "/maven/com.acme.tools/cli~",
		"/maven/com.acme.tools/cli-core-x$": "/maven/com.acme.tools/cli-core~",
	}
	expect := func(present []string) {
		t.Helper()
		for i, p := range present {
			parent := pgRootPattern
			if i > 0 {
				parent = present[i-1]
			}
			e.expectParent(t, p, parent)
		}
		// The siblings hang from the nearest present group of theirs.
		for s, want := range siblings {
			for !slices.Contains(present, want) && want != pgRootPattern {
				i := slices.Index(chain, want)
				if i == 0 {
					want = pgRootPattern
				} else {
					want = chain[i-1]
				}
			}
			e.expectParent(t, s, want)
		}
		got, _ := e.list(t, "/maven/", 0)
		if len(got) != len(present)+len(siblings) {
			t.Errorf("%d groups listed, want %d: %v", len(got), len(present)+len(siblings), got)
		}
	}

	all := append(slices.Clone(chain), harness.SortedKeys(siblings)...)
	errs := make(chan error, len(all))
	for _, p := range all {
		go func() {
			_, err := e.c.CreatePackageGroup(t.Context(), &codeartifact.CreatePackageGroupInput{Domain: aws.String(e.dom), PackageGroup: aws.String(p)})
			if err != nil {
				err = fmt.Errorf("CreatePackageGroup %s: %w", p, err)
			}
			errs <- err
		}()
	}
	for range all {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	expect(chain)

	// Every other group of the chain goes, in parallel.
	var kept, gone []string
	for i, p := range chain {
		if i%2 == 1 {
			gone = append(gone, p)
		} else {
			kept = append(kept, p)
		}
	}
	for _, p := range gone {
		go func() {
			_, err := e.c.DeletePackageGroup(t.Context(), &codeartifact.DeletePackageGroupInput{Domain: aws.String(e.dom), PackageGroup: aws.String(p)})
			if err != nil {
				err = fmt.Errorf("DeletePackageGroup %s: %w", p, err)
			}
			errs <- err
		}()
	}
	for range gone {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	expect(kept)
	// The packages follow: cli-core under cli-core~ now that cli-core$
	// went, a name under cli~ (gone) under /maven/com.acme.tools/*, a
	// namespace under com~ (gone) under /maven/*.
	for _, c := range [][3]string{
		{"com.acme.tools", "cli-core", "/maven/com.acme.tools/cli-core~"},
		{"com.acme.tools", "cli-extra", "/maven/com.acme.tools/*"},
		{"com.acme.web", "app", "/maven/com.acme~"},
		{"com.other", "lib", "/maven/*"},
		{"org.other", "lib", "/maven/*"},
	} {
		if g, a := e.associated(t, types.PackageFormatMaven, c[0], c[1]); g != c[2] || a != types.PackageGroupAssociationTypeStrong {
			t.Errorf("%s:%s associated with %s %s, want %s STRONG", c[0], c[1], g, a, c[2])
		}
	}
}

// TestPackageGroupsGoWithTheirDomain: deleting a domain deletes its groups
// and their tags; a domain created again under the name has only a fresh
// root.
func TestPackageGroupsGoWithTheirDomain(t *testing.T) {
	t.Parallel()
	e := pgStart(t, "ephemeral")
	ctx := t.Context()
	g := e.create(t, "/npm/*", func(in *codeartifact.CreatePackageGroupInput) { in.Tags = harness.Tags("k", "v") })
	e.set(t, pgRootPattern, pgPublish, pgBlock)
	if _, err := e.c.DeleteDomain(ctx, &codeartifact.DeleteDomainInput{Domain: aws.String(e.dom)}); err != nil {
		t.Fatal(err)
	}
	_, err := e.describeErr(t, pgRootPattern)
	harness.ExpectNotFound(t, err, types.ResourceTypeDomain, "")
	harness.CreateDomain(t, e.c, e.dom)
	if got, _ := e.list(t, "", 0); !slices.Equal(got, []string{pgRootPattern}) {
		t.Errorf("the domain created again has groups %v", got)
	}
	e.expectModes(t, pgRootPattern, pgWant{mode: pgAllow, effective: pgAllow}, pgWant{mode: pgAllow, effective: pgAllow}, pgWant{mode: pgAllow, effective: pgAllow})
	_, err = e.c.ListTagsForResource(ctx, &codeartifact.ListTagsForResourceInput{ResourceArn: g.Arn})
	harness.ExpectNotFound(t, err, pgResource, "")
	if g := e.create(t, "/npm/*", nil); pgParent(g) != pgRootPattern {
		t.Errorf("parent %q", pgParent(g))
	}
	cpExpectTags(t, e.c, aws.ToString(g.Arn), map[string]string{})
}
