package conformance

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

func TestListPackageVersions(t *testing.T) {
	t.Parallel()
	e := vlStart(t)

	// Published in this order, each at a distinct instant.
	order := []struct {
		ver string
		st  types.PackageVersionStatus
	}{
		{"1.2.0", types.PackageVersionStatusPublished},
		{"0.9", types.PackageVersionStatusPublished},
		{"2.0.0-beta", types.PackageVersionStatusUnlisted},
		{"1.10.0", types.PackageVersionStatusPublished},
		{"1.0.0", types.PackageVersionStatusArchived},
	}
	revs := map[string]string{}
	for _, o := range order {
		revs[o.ver] = e.pubVersion(t, vlRepo, "lst", o.ver, []byte("content "+o.ver), o.st)
		time.Sleep(20 * time.Millisecond) // distinct publishedTime values
	}
	status := map[string]types.PackageVersionStatus{}
	for _, o := range order {
		status[o.ver] = o.st
	}
	// Without sortBy: the format's version order, newest first (generic:
	// numbers compared as numbers).
	byVersion := []string{"2.0.0-beta", "1.10.0", "1.2.0", "1.0.0", "0.9"}
	byTime := []string{"1.0.0", "1.10.0", "2.0.0-beta", "0.9", "1.2.0"}

	t.Run("DefaultOrderAndShape", func(t *testing.T) {
		out, err := e.c.ListPackageVersions(vlCtx(t), &codeartifact.ListPackageVersionsInput{
			Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
			Namespace: aws.String(vlNS), Package: aws.String("lst"),
		})
		if err != nil {
			t.Fatalf("ListPackageVersions: %v", err)
		}
		if out.Format != types.PackageFormatGeneric || aws.ToString(out.Namespace) != vlNS || aws.ToString(out.Package) != "lst" {
			t.Errorf("ListPackageVersions: format %q namespace %q package %q, want generic %s lst",
				out.Format, aws.ToString(out.Namespace), aws.ToString(out.Package), vlNS)
		}
		if aws.ToString(out.DefaultDisplayVersion) != "1.10.0" {
			t.Errorf("defaultDisplayVersion %q, want 1.10.0 (the most recently published Published version)", aws.ToString(out.DefaultDisplayVersion))
		}
		if out.NextToken != nil {
			t.Errorf("nextToken %q on a 5-version listing, want none", *out.NextToken)
		}
		if got := vlVersionNames(out.Versions); !slices.Equal(got, byVersion) {
			t.Errorf("default order %v, want newest version first %v", got, byVersion)
		}
		for _, v := range out.Versions {
			name := aws.ToString(v.Version)
			if v.Status != status[name] || aws.ToString(v.Revision) != revs[name] {
				t.Errorf("summary %s: status %q revision %q, want %q %q", name, v.Status, aws.ToString(v.Revision), status[name], revs[name])
			}
			if v.Origin == nil || v.Origin.OriginType != types.PackageVersionOriginTypeInternal || v.Origin.DomainEntryPoint == nil ||
				aws.ToString(v.Origin.DomainEntryPoint.RepositoryName) != vlRepo || v.Origin.DomainEntryPoint.ExternalConnectionName != nil {
				t.Errorf("summary %s: origin %+v, want INTERNAL from repository %s", name, vlOrigin(v.Origin), vlRepo)
			}
		}
	})

	t.Run("SortByPublishedTime", func(t *testing.T) {
		got := vlVersionNames(e.listVersions(t, vlRepo, "lst", func(in *codeartifact.ListPackageVersionsInput) {
			in.SortBy = types.PackageVersionSortTypePublishedTime
		}))
		if !slices.Equal(got, byTime) {
			t.Errorf("sortBy PUBLISHED_TIME: %v, want newest first %v", got, byTime)
		}
		paged := vlVersionNames(e.listVersions(t, vlRepo, "lst", func(in *codeartifact.ListPackageVersionsInput) {
			in.SortBy = types.PackageVersionSortTypePublishedTime
			in.MaxResults = aws.Int32(2)
		}))
		if !slices.Equal(paged, byTime) {
			t.Errorf("sortBy PUBLISHED_TIME by pages of 2: %v, want %v", paged, byTime)
		}
	})

	t.Run("Pagination", func(t *testing.T) {
		var got []string
		var token *string
		pages := 0
		for {
			out, err := e.c.ListPackageVersions(vlCtx(t), &codeartifact.ListPackageVersionsInput{
				Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
				Namespace: aws.String(vlNS), Package: aws.String("lst"), MaxResults: aws.Int32(2), NextToken: token,
			})
			if err != nil {
				t.Fatalf("ListPackageVersions page %d: %v", pages, err)
			}
			pages++
			if len(out.Versions) > 2 {
				t.Errorf("page %d has %d versions, maxResults is 2", pages, len(out.Versions))
			}
			if aws.ToString(out.DefaultDisplayVersion) != "1.10.0" {
				t.Errorf("page %d: defaultDisplayVersion %q, want 1.10.0", pages, aws.ToString(out.DefaultDisplayVersion))
			}
			got = append(got, vlVersionNames(out.Versions)...)
			if out.NextToken == nil {
				break
			}
			if pages > 10 {
				t.Fatalf("no end of pagination after %d pages", pages)
			}
			token = out.NextToken
		}
		if pages != 3 || !slices.Equal(got, byVersion) {
			t.Errorf("pages of 2: %d pages %v, want 3 pages %v", pages, got, byVersion)
		}
	})

	t.Run("StatusFilter", func(t *testing.T) {
		for _, c := range []struct {
			st   types.PackageVersionStatus
			want []string
		}{
			{types.PackageVersionStatusPublished, []string{"1.10.0", "1.2.0", "0.9"}},
			{types.PackageVersionStatusUnlisted, []string{"2.0.0-beta"}},
			{types.PackageVersionStatusArchived, []string{"1.0.0"}},
			{types.PackageVersionStatusUnfinished, []string{}},
			{types.PackageVersionStatusDisposed, []string{}},
		} {
			got := vlVersionNames(e.listVersions(t, vlRepo, "lst", func(in *codeartifact.ListPackageVersionsInput) { in.Status = c.st }))
			if !slices.Equal(got, c.want) {
				t.Errorf("status=%s: %v, want %v", c.st, got, c.want)
			}
		}
		// Every status is listed when status is omitted, Unfinished and Disposed too.
		e.pubVersion(t, vlRepo, "mixed", "1-unfinished", []byte("u"), types.PackageVersionStatusUnfinished)
		e.pubVersion(t, vlRepo, "mixed", "2-disposed", []byte("d"), types.PackageVersionStatusDisposed)
		e.pubVersion(t, vlRepo, "mixed", "3-published", []byte("p"), types.PackageVersionStatusPublished)
		all := e.listVersions(t, vlRepo, "mixed", nil)
		if got := vlVersionNames(all); !slices.Equal(got, []string{"3-published", "2-disposed", "1-unfinished"}) {
			t.Errorf("no status filter: %v, want every status", got)
		}
		for st, want := range map[types.PackageVersionStatus]string{
			types.PackageVersionStatusUnfinished: "1-unfinished", types.PackageVersionStatusDisposed: "2-disposed",
		} {
			got := vlVersionNames(e.listVersions(t, vlRepo, "mixed", func(in *codeartifact.ListPackageVersionsInput) { in.Status = st }))
			if !slices.Equal(got, []string{want}) {
				t.Errorf("status=%s: %v, want [%s]", st, got, want)
			}
		}
	})

	t.Run("OriginTypeFilter", func(t *testing.T) {
		got := vlVersionNames(e.listVersions(t, vlRepo, "lst", func(in *codeartifact.ListPackageVersionsInput) {
			in.OriginType = types.PackageVersionOriginTypeInternal
		}))
		if !slices.Equal(got, byVersion) {
			t.Errorf("originType=INTERNAL: %v, want %v", got, byVersion)
		}
		got = vlVersionNames(e.listVersions(t, vlRepo, "lst", func(in *codeartifact.ListPackageVersionsInput) {
			in.OriginType = types.PackageVersionOriginTypeExternal
		}))
		if len(got) != 0 {
			t.Errorf("originType=EXTERNAL: %v, want none", got)
		}
		got = vlVersionNames(e.listVersions(t, vlRepo, "lst", func(in *codeartifact.ListPackageVersionsInput) {
			in.OriginType = types.PackageVersionOriginTypeInternal
			in.Status = types.PackageVersionStatusPublished
			in.SortBy = types.PackageVersionSortTypePublishedTime
		}))
		if want := []string{"1.10.0", "0.9", "1.2.0"}; !slices.Equal(got, want) {
			t.Errorf("INTERNAL + Published + PUBLISHED_TIME: %v, want %v", got, want)
		}
	})

	t.Run("DefaultDisplayVersionWithoutPublished", func(t *testing.T) {
		e.pubVersion(t, vlRepo, "nopub", "1.0.0", []byte("x"), types.PackageVersionStatusArchived)
		out, err := e.c.ListPackageVersions(vlCtx(t), &codeartifact.ListPackageVersionsInput{
			Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
			Namespace: aws.String(vlNS), Package: aws.String("nopub"),
		})
		if err != nil {
			t.Fatalf("ListPackageVersions: %v", err)
		}
		if out.DefaultDisplayVersion != nil {
			t.Errorf("defaultDisplayVersion %q for a package without a Published version, want none", *out.DefaultDisplayVersion)
		}
	})

	t.Run("Errors", func(t *testing.T) {
		for _, n := range []int32{0, 1001} {
			_, err := e.c.ListPackageVersions(vlCtx(t), &codeartifact.ListPackageVersionsInput{
				Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
				Namespace: aws.String(vlNS), Package: aws.String("lst"), MaxResults: aws.Int32(n),
			})
			vlWantErr[*types.ValidationException](t, err, fmt.Sprintf("maxResults=%d", n))
		}
		_, err := e.c.ListPackageVersions(vlCtx(t), &codeartifact.ListPackageVersionsInput{
			Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
			Namespace: aws.String(vlNS), Package: aws.String("lst"), Status: "Bogus",
		})
		vlWantErr[*types.ValidationException](t, err, "status=Bogus")
		_, err = e.c.ListPackageVersions(vlCtx(t), &codeartifact.ListPackageVersionsInput{
			Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
			Namespace: aws.String(vlNS), Package: aws.String("no-such-package"),
		})
		vlWantErr[*types.ResourceNotFoundException](t, err, "versions of a missing package")
		_, err = e.c.ListPackageVersions(vlCtx(t), &codeartifact.ListPackageVersionsInput{
			Domain: aws.String(e.domain), Repository: aws.String(vlRepo2), Format: types.PackageFormatGeneric,
			Namespace: aws.String(vlNS), Package: aws.String("lst"),
		})
		vlWantErr[*types.ResourceNotFoundException](t, err, "versions of a package that exists only in another repository")
	})
}

func TestListPackageVersionsDefaultPageSize(t *testing.T) {
	t.Parallel()
	e := vlStart(t)
	var want []string
	for i := range 51 {
		v := fmt.Sprintf("1.0.%03d", i)
		want = append([]string{v}, want...) // newest first
		e.mustPublish(t, vlRepo, "fifty", v, "f", []byte(v), false)
	}
	out, err := e.c.ListPackageVersions(vlCtx(t), &codeartifact.ListPackageVersionsInput{
		Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
		Namespace: aws.String(vlNS), Package: aws.String("fifty"),
	})
	if err != nil {
		t.Fatalf("ListPackageVersions: %v", err)
	}
	if len(out.Versions) != 50 || out.NextToken == nil {
		t.Errorf("first page without maxResults: %d versions, token %v; want 50 and a token", len(out.Versions), out.NextToken != nil)
	}
	if got := vlVersionNames(e.listVersions(t, vlRepo, "fifty", nil)); !slices.Equal(got, want) {
		t.Errorf("all pages: %v, want %v", got, want)
	}
	if got := vlVersionNames(e.listVersions(t, vlRepo, "fifty", func(in *codeartifact.ListPackageVersionsInput) { in.MaxResults = aws.Int32(1000) })); !slices.Equal(got, want) {
		t.Errorf("maxResults=1000: %v, want %v", got, want)
	}
}

func vlOrigin(o *types.PackageVersionOrigin) string {
	if o == nil {
		return "<nil>"
	}
	s := "originType=" + string(o.OriginType)
	if o.DomainEntryPoint != nil {
		s += fmt.Sprintf(" repositoryName=%v externalConnectionName=%v",
			vlPtr(o.DomainEntryPoint.RepositoryName), vlPtr(o.DomainEntryPoint.ExternalConnectionName))
	}
	return s
}

func TestDescribePackageVersion(t *testing.T) {
	t.Parallel()
	e := vlStart(t)
	before := time.Now()
	out := e.mustPublish(t, vlRepo, "desc", "3.1.4", "pi.txt", []byte("3.14159"), false)
	after := time.Now()
	d := e.mustDescribe(t, vlRepo, "desc", "3.1.4")
	if d.Format != types.PackageFormatGeneric || aws.ToString(d.Namespace) != vlNS || aws.ToString(d.PackageName) != "desc" ||
		aws.ToString(d.Version) != "3.1.4" {
		t.Errorf("DescribePackageVersion: format %q namespace %q packageName %q version %q; want generic %s desc 3.1.4",
			d.Format, aws.ToString(d.Namespace), aws.ToString(d.PackageName), aws.ToString(d.Version), vlNS)
	}
	if aws.ToString(d.Revision) != aws.ToString(out.VersionRevision) || d.Status != types.PackageVersionStatusPublished {
		t.Errorf("DescribePackageVersion: revision %q status %q; want %q Published", aws.ToString(d.Revision), d.Status, aws.ToString(out.VersionRevision))
	}
	if d.PublishedTime == nil {
		t.Errorf("DescribePackageVersion: no publishedTime")
	} else if pt := *d.PublishedTime; pt.Before(before.Add(-2*time.Second)) || pt.After(after.Add(2*time.Second)) {
		t.Errorf("publishedTime %s is not the time of the publish (between %s and %s)", pt, before, after)
	}
	if d.Origin == nil || d.Origin.OriginType != types.PackageVersionOriginTypeInternal || d.Origin.DomainEntryPoint == nil ||
		aws.ToString(d.Origin.DomainEntryPoint.RepositoryName) != vlRepo || d.Origin.DomainEntryPoint.ExternalConnectionName != nil {
		t.Errorf("origin %s, want INTERNAL from repository %s", vlOrigin(d.Origin), vlRepo)
	}
	if len(d.Licenses) != 0 || d.Summary != nil || d.HomePage != nil || d.SourceCodeRepository != nil {
		t.Errorf("generic version has metadata: licenses %v summary %v homePage %v sourceCodeRepository %v",
			d.Licenses, vlPtr(d.Summary), vlPtr(d.HomePage), vlPtr(d.SourceCodeRepository))
	}

	// The publishedTime does not move on status changes.
	e.mustSetStatus(t, vlRepo, "desc", "3.1.4", aws.ToString(out.VersionRevision), types.PackageVersionStatusArchived)
	d2 := e.mustDescribe(t, vlRepo, "desc", "3.1.4")
	if d.PublishedTime != nil && (d2.PublishedTime == nil || !d2.PublishedTime.Equal(*d.PublishedTime)) {
		t.Errorf("publishedTime changed on a status change: %v -> %v", vlPtr(d.PublishedTime), vlPtr(d2.PublishedTime))
	}

	for _, c := range []struct{ repo, pkg, ver string }{
		{vlRepo, "desc", "9.9.9"}, {vlRepo, "nope", "3.1.4"}, {vlRepo2, "desc", "3.1.4"},
	} {
		_, err := e.describe(t, c.repo, c.pkg, c.ver)
		vlWantErr[*types.ResourceNotFoundException](t, err, fmt.Sprintf("DescribePackageVersion %s/%s@%s", c.repo, c.pkg, c.ver))
	}
	_, err := e.c.DescribePackageVersion(vlCtx(t), &codeartifact.DescribePackageVersionInput{
		Domain: aws.String(e.domain), Repository: aws.String("no-such-repo"), Format: types.PackageFormatGeneric,
		Namespace: aws.String(vlNS), Package: aws.String("desc"), PackageVersion: aws.String("3.1.4"),
	})
	vlWantErr[*types.ResourceNotFoundException](t, err, "DescribePackageVersion in a missing repository")
}

func TestUpdatePackageVersionsStatus(t *testing.T) {
	t.Parallel()
	e := vlStart(t)
	const pkg = "st"
	targets := []types.PackageVersionStatus{
		types.PackageVersionStatusPublished, types.PackageVersionStatusUnlisted, types.PackageVersionStatusArchived,
	}

	t.Run("AllowedTransitions", func(t *testing.T) {
		froms := append(slices.Clone(targets), types.PackageVersionStatusUnfinished)
		for _, from := range froms {
			for _, to := range targets {
				ver := fmt.Sprintf("%s-to-%s", from, to)
				rev := e.pubVersion(t, vlRepo, pkg, ver, []byte("bytes "+ver), from)
				res, err := e.updateStatus(t, vlRepo, pkg, []string{ver}, nil, "", to)
				if err != nil {
					t.Errorf("%s -> %s: %v", from, to, err)
					continue
				}
				vlCheckBatch(t, fmt.Sprintf("%s -> %s", from, to), res.SuccessfulVersions, res.FailedVersions,
					map[string]string{ver: vlOK(rev, string(to))}, nil)
				e.wantStatus(t, vlRepo, pkg, ver, to, rev)
			}
		}
	})

	t.Run("ChainKeepsRevision", func(t *testing.T) {
		rev := e.pubVersion(t, vlRepo, pkg, "chain", []byte("chain"), types.PackageVersionStatusPublished)
		for _, to := range []types.PackageVersionStatus{
			types.PackageVersionStatusUnlisted, types.PackageVersionStatusArchived, types.PackageVersionStatusPublished,
			types.PackageVersionStatusArchived, types.PackageVersionStatusUnlisted, types.PackageVersionStatusPublished,
		} {
			e.mustSetStatus(t, vlRepo, pkg, "chain", rev, to)
			e.wantStatus(t, vlRepo, pkg, "chain", to, rev)
		}
	})

	t.Run("DisallowedTargets", func(t *testing.T) {
		rev := e.pubVersion(t, vlRepo, pkg, "stay", []byte("stay"), types.PackageVersionStatusPublished)
		for _, to := range []types.PackageVersionStatus{
			types.PackageVersionStatusUnfinished, types.PackageVersionStatusDisposed, types.PackageVersionStatusDeleted, "Bogus",
		} {
			_, err := e.updateStatus(t, vlRepo, pkg, []string{"stay"}, nil, "", to)
			vlWantErr[*types.ValidationException](t, err, "targetStatus "+string(to))
		}
		// Even with a missing version in the batch: the request itself is invalid.
		_, err := e.updateStatus(t, vlRepo, pkg, []string{"stay", "9.9.9"}, nil, "", types.PackageVersionStatusUnfinished)
		vlWantErr[*types.ValidationException](t, err, "targetStatus Unfinished with a missing version")
		e.wantStatus(t, vlRepo, pkg, "stay", types.PackageVersionStatusPublished, rev)
	})

	t.Run("DisposedIsFinal", func(t *testing.T) {
		rev := e.pubVersion(t, vlRepo, pkg, "gone", []byte("gone"), types.PackageVersionStatusDisposed)
		for _, to := range targets {
			res, err := e.updateStatus(t, vlRepo, pkg, []string{"gone"}, nil, "", to)
			if err != nil {
				t.Errorf("Disposed -> %s: %v", to, err)
				continue
			}
			vlCheckBatch(t, "Disposed -> "+string(to), res.SuccessfulVersions, res.FailedVersions, nil,
				map[string]string{"gone": vlFail(types.PackageVersionErrorCodeNotAllowed, vlAnyMessage)})
		}
		e.wantStatus(t, vlRepo, pkg, "gone", types.PackageVersionStatusDisposed, rev)
	})

	t.Run("ExpectedStatus", func(t *testing.T) {
		rev := e.pubVersion(t, vlRepo, pkg, "exp", []byte("exp"), types.PackageVersionStatusPublished)
		res, err := e.updateStatus(t, vlRepo, pkg, []string{"exp"}, nil, types.PackageVersionStatusUnlisted, types.PackageVersionStatusArchived)
		if err != nil {
			t.Fatalf("UpdatePackageVersionsStatus: %v", err)
		}
		vlCheckBatch(t, "expectedStatus Unlisted on a Published version", res.SuccessfulVersions, res.FailedVersions, nil,
			map[string]string{"exp": vlMismatchedStatus(types.PackageVersionStatusPublished, types.PackageVersionStatusUnlisted)})
		e.wantStatus(t, vlRepo, pkg, "exp", types.PackageVersionStatusPublished, rev)

		res, err = e.updateStatus(t, vlRepo, pkg, []string{"exp"}, nil, types.PackageVersionStatusPublished, types.PackageVersionStatusArchived)
		if err != nil {
			t.Fatalf("UpdatePackageVersionsStatus: %v", err)
		}
		vlCheckBatch(t, "expectedStatus Published on a Published version", res.SuccessfulVersions, res.FailedVersions,
			map[string]string{"exp": vlOK(rev, "Archived")}, nil)
		e.wantStatus(t, vlRepo, pkg, "exp", types.PackageVersionStatusArchived, rev)
	})

	t.Run("VersionRevisions", func(t *testing.T) {
		revA := e.pubVersion(t, vlRepo, pkg, "rev-a", []byte("rev a"), types.PackageVersionStatusPublished)
		revB := e.pubVersion(t, vlRepo, pkg, "rev-b", []byte("rev b"), types.PackageVersionStatusPublished)

		res, err := e.updateStatus(t, vlRepo, pkg, []string{"rev-a"}, map[string]string{"rev-a": revB}, "", types.PackageVersionStatusUnlisted)
		if err != nil {
			t.Fatalf("UpdatePackageVersionsStatus: %v", err)
		}
		vlCheckBatch(t, "wrong revision", res.SuccessfulVersions, res.FailedVersions, nil,
			map[string]string{"rev-a": vlMismatchedRevision(revA, revB)})
		e.wantStatus(t, vlRepo, pkg, "rev-a", types.PackageVersionStatusPublished, revA)

		res, err = e.updateStatus(t, vlRepo, pkg, []string{"rev-a"}, map[string]string{"rev-a": revA}, "", types.PackageVersionStatusUnlisted)
		if err != nil {
			t.Fatalf("UpdatePackageVersionsStatus: %v", err)
		}
		vlCheckBatch(t, "right revision", res.SuccessfulVersions, res.FailedVersions,
			map[string]string{"rev-a": vlOK(revA, "Unlisted")}, nil)

		// A version named only in versionRevisions is part of the batch.
		res, err = e.updateStatus(t, vlRepo, pkg, []string{"rev-a"}, map[string]string{"rev-a": revA, "rev-b": revB}, "", types.PackageVersionStatusArchived)
		if err != nil {
			t.Fatalf("UpdatePackageVersionsStatus: %v", err)
		}
		vlCheckBatch(t, "version only in versionRevisions", res.SuccessfulVersions, res.FailedVersions,
			map[string]string{"rev-a": vlOK(revA, "Archived"), "rev-b": vlOK(revB, "Archived")}, nil)
		e.wantStatus(t, vlRepo, pkg, "rev-b", types.PackageVersionStatusArchived, revB)

		// ...and fails the batch like any other when its revision is wrong.
		res, err = e.updateStatus(t, vlRepo, pkg, []string{"rev-a"}, map[string]string{"rev-a": revA, "rev-b": "not-the-revision"}, "", types.PackageVersionStatusPublished)
		if err != nil {
			t.Fatalf("UpdatePackageVersionsStatus: %v", err)
		}
		vlCheckBatch(t, "wrong revision of a version only in versionRevisions", res.SuccessfulVersions, res.FailedVersions, nil,
			map[string]string{"rev-a": vlSkipped("rev-a"), "rev-b": vlMismatchedRevision(revB, "not-the-revision")})
		e.wantStatus(t, vlRepo, pkg, "rev-a", types.PackageVersionStatusArchived, revA)
		e.wantStatus(t, vlRepo, pkg, "rev-b", types.PackageVersionStatusArchived, revB)
	})

	t.Run("NotFound", func(t *testing.T) {
		res, err := e.updateStatus(t, vlRepo, pkg, []string{"9.9.9"}, nil, "", types.PackageVersionStatusArchived)
		if err != nil {
			t.Fatalf("UpdatePackageVersionsStatus: %v", err)
		}
		vlCheckBatch(t, "missing version", res.SuccessfulVersions, res.FailedVersions, nil,
			map[string]string{"9.9.9": vlNotFound("9.9.9")})
	})

	t.Run("AllOrNothing", func(t *testing.T) {
		r1 := e.pubVersion(t, vlRepo, pkg, "aon-1", []byte("aon 1"), types.PackageVersionStatusPublished)
		r2 := e.pubVersion(t, vlRepo, pkg, "aon-2", []byte("aon 2"), types.PackageVersionStatusUnlisted)

		res, err := e.updateStatus(t, vlRepo, pkg, []string{"aon-1", "aon-2", "9.9.9"}, nil, "", types.PackageVersionStatusArchived)
		if err != nil {
			t.Fatalf("UpdatePackageVersionsStatus: %v", err)
		}
		vlCheckBatch(t, "one missing version", res.SuccessfulVersions, res.FailedVersions, nil, map[string]string{
			"aon-1": vlSkipped("aon-1"), "aon-2": vlSkipped("aon-2"), "9.9.9": vlNotFound("9.9.9"),
		})
		e.wantStatus(t, vlRepo, pkg, "aon-1", types.PackageVersionStatusPublished, r1)
		e.wantStatus(t, vlRepo, pkg, "aon-2", types.PackageVersionStatusUnlisted, r2)

		res, err = e.updateStatus(t, vlRepo, pkg, []string{"aon-1", "aon-2"}, nil, types.PackageVersionStatusPublished, types.PackageVersionStatusArchived)
		if err != nil {
			t.Fatalf("UpdatePackageVersionsStatus: %v", err)
		}
		vlCheckBatch(t, "one mismatched status", res.SuccessfulVersions, res.FailedVersions, nil, map[string]string{
			"aon-1": vlSkipped("aon-1"),
			"aon-2": vlMismatchedStatus(types.PackageVersionStatusUnlisted, types.PackageVersionStatusPublished),
		})
		e.wantStatus(t, vlRepo, pkg, "aon-1", types.PackageVersionStatusPublished, r1)
		e.wantStatus(t, vlRepo, pkg, "aon-2", types.PackageVersionStatusUnlisted, r2)

		// Several failures: each reports its own error, the rest are skipped.
		res, err = e.updateStatus(t, vlRepo, pkg, []string{"aon-1", "9.9.8", "9.9.9"}, nil, "", types.PackageVersionStatusArchived)
		if err != nil {
			t.Fatalf("UpdatePackageVersionsStatus: %v", err)
		}
		vlCheckBatch(t, "two missing versions", res.SuccessfulVersions, res.FailedVersions, nil, map[string]string{
			"aon-1": vlSkipped("aon-1"), "9.9.8": vlNotFound("9.9.8"), "9.9.9": vlNotFound("9.9.9"),
		})
		e.wantStatus(t, vlRepo, pkg, "aon-1", types.PackageVersionStatusPublished, r1)

		// Both good: both change in one call.
		res, err = e.updateStatus(t, vlRepo, pkg, []string{"aon-1", "aon-2"}, nil, "", types.PackageVersionStatusArchived)
		if err != nil {
			t.Fatalf("UpdatePackageVersionsStatus: %v", err)
		}
		vlCheckBatch(t, "two good versions", res.SuccessfulVersions, res.FailedVersions,
			map[string]string{"aon-1": vlOK(r1, "Archived"), "aon-2": vlOK(r2, "Archived")}, nil)
	})

	t.Run("Duplicates", func(t *testing.T) {
		rev := e.pubVersion(t, vlRepo, pkg, "dup", []byte("dup"), types.PackageVersionStatusPublished)
		res, err := e.updateStatus(t, vlRepo, pkg, []string{"dup", "dup"}, nil, "", types.PackageVersionStatusUnlisted)
		if err != nil {
			t.Fatalf("UpdatePackageVersionsStatus: %v", err)
		}
		vlCheckBatch(t, "duplicated version", res.SuccessfulVersions, res.FailedVersions,
			map[string]string{"dup": vlOK(rev, "Unlisted")}, nil)
	})

	t.Run("BatchLimits", func(t *testing.T) {
		var names []string
		want := map[string]string{}
		for i := range 100 {
			v := fmt.Sprintf("missing-%03d", i)
			names = append(names, v)
			want[v] = vlNotFound(v)
		}
		res, err := e.updateStatus(t, vlRepo, pkg, names, nil, "", types.PackageVersionStatusArchived)
		if err != nil {
			t.Fatalf("100 versions: %v", err)
		}
		vlCheckBatch(t, "100 missing versions", res.SuccessfulVersions, res.FailedVersions, nil, want)

		_, err = e.updateStatus(t, vlRepo, pkg, append(names, "missing-100"), nil, "", types.PackageVersionStatusArchived)
		vlWantErr[*types.ValidationException](t, err, "101 versions")
		_, err = e.updateStatus(t, vlRepo, pkg, []string{}, nil, "", types.PackageVersionStatusArchived)
		vlWantErr[*types.ValidationException](t, err, "no versions")
		_, err = e.updateStatus(t, vlRepo, pkg, []string{"a/b"}, nil, "", types.PackageVersionStatusArchived)
		vlWantErr[*types.ValidationException](t, err, "malformed version")
	})

	t.Run("MissingRepository", func(t *testing.T) {
		_, err := e.updateStatus(t, "no-such-repo", pkg, []string{"1.0.0"}, nil, "", types.PackageVersionStatusArchived)
		vlWantErr[*types.ResourceNotFoundException](t, err, "missing repository")
	})
}
