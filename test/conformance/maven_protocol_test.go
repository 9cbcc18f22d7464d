package conformance

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

// publishRaw deploys com.example:ARTIFACT:VERSION as mvn does over HTTP:
// jar and POM with their .sha1 and .md5, then the artifact-level
// maven-metadata.xml listing the version. It returns the jar and the POM.
func (m *mavenRepo) publishRaw(t testing.TB, artifact, version, marker string) (jar, pom []byte) {
	t.Helper()
	jar, pom = mvnJar(t, artifact+version+marker), mvnPom("com.example", artifact, version)
	dir := "com/example/" + artifact + "/" + version + "/" + artifact + "-" + version
	m.putWithChecksums(t, dir+".jar", jar)
	m.putWithChecksums(t, dir+".pom", pom)
	m.putWithChecksums(t, "com/example/"+artifact+"/maven-metadata.xml", mvnMetadata("com.example", artifact, version))
	return jar, pom
}

// TestMavenAuthChallenge: reads without credentials get the Basic
// challenge mvn waits for; Bearer and Basic aws:TOKEN work; a forged token
// is refused, for reads and for deploys.
func TestMavenAuthChallenge(t *testing.T) {
	t.Parallel()
	m := newMavenRepo(t)
	jar, _ := m.publishRaw(t, "auth", "1.0", "")
	paths := map[string]int{
		"com/example/auth/1.0/auth-1.0.jar":      http.StatusOK,
		"com/example/auth/1.0/auth-1.0.jar.sha1": http.StatusOK,
		"com/example/auth/maven-metadata.xml":    http.StatusOK,
		"com/example/nope/1.0/nope-1.0.jar":      http.StatusNotFound,
	}
	for rel, status := range paths {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			resp, _ := m.request(t, method, rel, nil, mvnNoAuth)
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") ||
				!strings.Contains(resp.Header.Get("WWW-Authenticate"), "realm=") {
				t.Errorf("%s %s without credentials: %d, WWW-Authenticate %q; want 401 with a Basic challenge", method, rel, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
		}
		if resp, _ := m.request(t, http.MethodGet, rel, nil, mvnBearer); resp.StatusCode != status {
			t.Errorf("GET %s with a Bearer token: %d, want %d", rel, resp.StatusCode, status)
		}
		if resp, _ := m.get(t, rel); resp.StatusCode != status {
			t.Errorf("GET %s with Basic aws:TOKEN: %d, want %d", rel, resp.StatusCode, status)
		}
		if resp, _ := m.request(t, http.MethodGet, rel, nil, mvnNoAuth, "Authorization", "Basic YXdzOmZvcmdlZA=="); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s with Basic aws:forged: %d, want 401", rel, resp.StatusCode)
		}
	}
	if resp, body := m.get(t, "com/example/auth/1.0/auth-1.0.jar"); !bytes.Equal(body, jar) {
		t.Errorf("GET the jar: %d, %d bytes", resp.StatusCode, len(body))
	}

	for _, c := range []struct {
		name string
		auth []string
	}{{"no credentials", nil}, {"a forged token", []string{"Authorization", "Basic YXdzOmZvcmdlZA=="}}, {"a forged Bearer token", []string{"Authorization", "Bearer forged"}}} {
		resp, _ := m.request(t, http.MethodPut, "com/example/intruder/1.0/intruder-1.0.jar", mvnJar(t, "x"), mvnNoAuth, c.auth...)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("PUT with %s: %d, want 401", c.name, resp.StatusCode)
		}
	}
	if resp, _ := m.request(t, http.MethodPut, "com/example/auth/1.0/auth-1.0-extra.jar", mvnJar(t, "y"), mvnBearer); resp.StatusCode != http.StatusCreated {
		t.Errorf("PUT with a Bearer token: %d, want 201", resp.StatusCode)
	}
	if got := m.packages(t); strings.Join(got, " ") != "maven:com.example:auth" {
		t.Errorf("ListPackages = %v: an unauthenticated PUT created something", got)
	}
}

// TestMavenUnfinishedUntilMetadata: files make an Unfinished version that
// cannot be downloaded; the artifact-level maven-metadata.xml listing it
// publishes it, and only the versions it lists.
func TestMavenUnfinishedUntilMetadata(t *testing.T) {
	t.Parallel()
	m := newMavenRepo(t)
	jar, pom := mvnJar(t, "unfinished"), mvnPom("com.example", "lib", "1.0")
	m.mustPut(t, "com/example/lib/1.0/lib-1.0.jar", jar)
	if got := m.versions(t, "com.example", "lib"); len(got) != 1 || got["1.0"] != types.PackageVersionStatusUnfinished {
		t.Fatalf("after PUT of the jar: ListPackageVersions = %v, want 1.0 Unfinished", got)
	}
	if resp, body := m.get(t, "com/example/lib/1.0/lib-1.0.jar"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET the jar of an Unfinished version: %d %q, want 404", resp.StatusCode, body)
	}
	if resp, body := m.get(t, "com/example/lib/maven-metadata.xml"); resp.StatusCode == http.StatusOK {
		if vs, _, _ := mvnMetadataVersions(body); len(vs) != 0 {
			t.Errorf("generated metadata lists an Unfinished version:\n%s", body)
		}
	}
	m.putWithChecksums(t, "com/example/lib/1.0/lib-1.0.pom", pom)
	m.mustPut(t, "com/example/lib/1.0/lib-1.0.jar.sha1", []byte(mvnSHA1(jar)))
	if got := m.versions(t, "com.example", "lib"); got["1.0"] != types.PackageVersionStatusUnfinished {
		t.Fatalf("after the POM and checksums: ListPackageVersions = %v, want 1.0 still Unfinished", got)
	}
	// 2.0 is uploaded but not listed by the metadata: it stays Unfinished.
	m.mustPut(t, "com/example/lib/2.0/lib-2.0.jar", mvnJar(t, "two"))

	m.putWithChecksums(t, "com/example/lib/maven-metadata.xml", mvnMetadata("com.example", "lib", "1.0"))
	got := m.versions(t, "com.example", "lib")
	if got["1.0"] != types.PackageVersionStatusPublished || got["2.0"] != types.PackageVersionStatusUnfinished || len(got) != 2 {
		t.Fatalf("after PUT of maven-metadata.xml listing 1.0: ListPackageVersions = %v, want 1.0 Published and 2.0 Unfinished", got)
	}
	if resp, body := m.get(t, "com/example/lib/1.0/lib-1.0.jar"); resp.StatusCode != http.StatusOK || !bytes.Equal(body, jar) {
		t.Errorf("GET the jar once Published: %d, equal %v", resp.StatusCode, bytes.Equal(body, jar))
	}
	if resp, _ := m.get(t, "com/example/lib/2.0/lib-2.0.jar"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET the jar of the still Unfinished 2.0: %d, want 404", resp.StatusCode)
	}
	resp, body := m.get(t, "com/example/lib/maven-metadata.xml")
	if vs, latest, release := mvnMetadataVersions(body); resp.StatusCode != http.StatusOK || strings.Join(vs, ",") != "1.0" || latest != "1.0" || release != "1.0" {
		t.Errorf("generated metadata: %d versions %v latest %q release %q\n%s", resp.StatusCode, vs, latest, release, body)
	}

	// A Published version takes new files.
	sources := mvnJar(t, "sources")
	m.putWithChecksums(t, "com/example/lib/1.0/lib-1.0-sources.jar", sources)
	if got := m.versions(t, "com.example", "lib"); got["1.0"] != types.PackageVersionStatusPublished {
		t.Errorf("after adding sources: %v", got)
	}
	m.expectAssets(t, "com.example", "lib", "1.0", map[string][]byte{"lib-1.0.jar": jar, "lib-1.0.pom": pom, "lib-1.0-sources.jar": sources})
	if resp, body := m.get(t, "com/example/lib/1.0/lib-1.0-sources.jar"); resp.StatusCode != http.StatusOK || !bytes.Equal(body, sources) {
		t.Errorf("GET the added sources jar: %d", resp.StatusCode)
	}
}

// TestMavenChecksums: checksum GETs answer the computed hashes of every
// file and of the generated metadata; uploaded checksums are compared,
// never stored.
func TestMavenChecksums(t *testing.T) {
	t.Parallel()
	m := newMavenRepo(t)
	ctx := context.Background()
	jar, pom := m.publishRaw(t, "lib", "1.0", "")
	files := map[string][]byte{"com/example/lib/1.0/lib-1.0.jar": jar, "com/example/lib/1.0/lib-1.0.pom": pom}

	t.Run("checksum GETs of files", func(t *testing.T) {
		for rel, b := range files {
			for ext, alg := range mvnChecksumExt {
				resp, body := m.get(t, rel+ext)
				if want := mvnHashes(b)[alg]; resp.StatusCode != http.StatusOK || string(body) != want {
					t.Errorf("GET %s%s: %d %q, want %q", rel, ext, resp.StatusCode, body, want)
				}
			}
		}
		if resp, _ := m.get(t, "com/example/lib/1.0/lib-1.0-sources.jar.sha1"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET the checksum of a missing file: %d, want 404", resp.StatusCode)
		}
	})

	t.Run("checksum GETs of the generated metadata", func(t *testing.T) {
		for _, rel := range []string{"com/example/lib/maven-metadata.xml"} {
			resp, doc := m.get(t, rel)
			if resp.StatusCode != http.StatusOK || !bytes.Contains(doc, []byte("<version>1.0</version>")) {
				t.Fatalf("GET %s: %d\n%s", rel, resp.StatusCode, doc)
			}
			for ext, alg := range mvnChecksumExt {
				resp, body := m.get(t, rel+ext)
				if want := mvnHashes(doc)[alg]; resp.StatusCode != http.StatusOK || string(body) != want {
					t.Errorf("GET %s%s: %d %q, want %q (the hash of the document served)", rel, ext, resp.StatusCode, body, want)
				}
			}
		}
	})

	d, r, f, ns, p := m.coords("com.example", "lib")
	describe := func(t *testing.T) types.PackageVersionDescription {
		t.Helper()
		out, err := m.c.DescribePackageVersion(ctx, &codeartifact.DescribePackageVersionInput{Domain: d, Repository: r, Format: f, Namespace: ns, Package: p, PackageVersion: aws.String("1.0")})
		if err != nil {
			t.Fatal(err)
		}
		return *out.PackageVersion
	}

	t.Run("a wrong checksum is refused and changes nothing", func(t *testing.T) {
		before := describe(t)
		other := mvnHashes([]byte("other bytes"))
		for _, c := range []struct{ rel, body string }{
			{"com/example/lib/1.0/lib-1.0.jar.sha1", other[types.HashAlgorithmSha1]},
			{"com/example/lib/1.0/lib-1.0.jar.md5", other[types.HashAlgorithmMd5]},
			{"com/example/lib/1.0/lib-1.0.pom.sha256", other[types.HashAlgorithmSha256]},
			{"com/example/lib/1.0/lib-1.0.pom.sha512", other[types.HashAlgorithmSha512]},
			{"com/example/lib/1.0/lib-1.0.jar.sha1", "not a checksum"},
			{"com/example/lib/1.0/lib-1.0.jar.sha1", ""},
			{"com/example/lib/1.0/lib-1.0.jar.sha1", strings.ToUpper(mvnSHA1(jar))},
		} {
			resp, body := m.put(t, c.rel, []byte(c.body))
			if resp.StatusCode != http.StatusBadRequest || len(bytes.TrimSpace(body)) == 0 {
				t.Errorf("PUT %s %q: %d %q, want 400 with a message", c.rel, c.body, resp.StatusCode, body)
			}
		}
		m.expectAssets(t, "com.example", "lib", "1.0", map[string][]byte{"lib-1.0.jar": jar, "lib-1.0.pom": pom})
		after := describe(t)
		if after.Status != before.Status || !aws.ToTime(after.PublishedTime).Equal(aws.ToTime(before.PublishedTime)) ||
			aws.ToString(after.Revision) != aws.ToString(before.Revision) {
			t.Errorf("the version changed: status %s → %s, revision %q → %q", before.Status, after.Status, aws.ToString(before.Revision), aws.ToString(after.Revision))
		}
		if resp, body := m.get(t, "com/example/lib/1.0/lib-1.0.jar.sha1"); string(body) != mvnSHA1(jar) {
			t.Errorf("GET .sha1 after the refused PUT: %d %q, want the computed %q", resp.StatusCode, body, mvnSHA1(jar))
		}
	})

	t.Run("a wrong checksum of the uploaded maven-metadata.xml is refused", func(t *testing.T) {
		// The design: metadata checksum PUTs are compared with the digests
		// of the last document uploaded at that path.
		uploaded := mvnMetadata("com.example", "lib", "1.0")
		m.mustPut(t, "com/example/lib/maven-metadata.xml", uploaded)
		h := mvnHashes(uploaded)
		m.mustPut(t, "com/example/lib/maven-metadata.xml.sha1", []byte(h[types.HashAlgorithmSha1]))
		m.mustPut(t, "com/example/lib/maven-metadata.xml.md5", []byte(h[types.HashAlgorithmMd5]))
		other := mvnHashes([]byte("other bytes"))
		for ext, alg := range mvnChecksumExt {
			rel := "com/example/lib/maven-metadata.xml" + ext
			if resp, body := m.put(t, rel, []byte(other[alg])); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("PUT %s with the hash of other bytes: %d %q, want 400", rel, resp.StatusCode, body)
			}
		}
	})

	t.Run("checksums as Maven tools write them", func(t *testing.T) {
		h := mvnHashes(jar)
		for _, c := range []struct{ ext, body string }{
			{".sha1", h[types.HashAlgorithmSha1] + "\n"},
			{".sha1", h[types.HashAlgorithmSha1] + "  lib-1.0.jar\n"},
			{".md5", "  " + h[types.HashAlgorithmMd5] + "\r\n"},
			{".sha256", h[types.HashAlgorithmSha256]},
			{".sha512", h[types.HashAlgorithmSha512] + " lib-1.0.jar"},
		} {
			if resp, body := m.put(t, "com/example/lib/1.0/lib-1.0.jar"+c.ext, []byte(c.body)); resp.StatusCode != http.StatusCreated {
				t.Errorf("PUT %s %q: %d %q, want 201", c.ext, c.body, resp.StatusCode, body)
			}
		}
		m.expectAssets(t, "com.example", "lib", "1.0", map[string][]byte{"lib-1.0.jar": jar, "lib-1.0.pom": pom})
	})

	t.Run("a checksum before its file is 404", func(t *testing.T) {
		h := mvnHashes(jar)
		for rel, sum := range map[string]string{
			"com/example/lib/1.0/lib-1.0-javadoc.jar.sha1": h[types.HashAlgorithmSha1],
			"com/example/lib/1.1/lib-1.1.jar.sha1":         h[types.HashAlgorithmSha1],
			"com/example/other/1.0/other-1.0.pom.md5":      h[types.HashAlgorithmMd5],
			"com/example/other/1.0/other-1.0.jar.sha256":   h[types.HashAlgorithmSha256],
		} {
			if resp, body := m.put(t, rel, []byte(sum)); resp.StatusCode != http.StatusNotFound {
				t.Errorf("PUT %s before its file: %d %q, want 404", rel, resp.StatusCode, body)
			}
		}
		if got := m.packages(t); strings.Join(got, " ") != "maven:com.example:lib" {
			t.Errorf("ListPackages = %v", got)
		}
		if got := m.versions(t, "com.example", "lib"); len(got) != 1 {
			t.Errorf("ListPackageVersions = %v, want only 1.0", got)
		}
	})
}

// TestMavenGeneratedMetadata: the artifact-level maven-metadata.xml is
// generated from the Published versions in Maven's order, whatever was
// uploaded, and follows archive, unlist, dispose, delete and republish at
// once; the version-level document names the current SNAPSHOT build.
func TestMavenGeneratedMetadata(t *testing.T) {
	t.Parallel()
	m := newMavenRepo(t)
	ctx := context.Background()
	jars := map[string][]byte{}
	for _, v := range []string{"1.0", "1.9", "1.10", "2.0"} {
		jars[v] = mvnJar(t, "gen"+v)
		m.putWithChecksums(t, "com/example/gen/"+v+"/gen-"+v+".jar", jars[v])
		m.putWithChecksums(t, "com/example/gen/"+v+"/gen-"+v+".pom", mvnPom("com.example", "gen", v))
	}
	const ts = "20261201.101010"
	snapJar := mvnJar(t, "snapshot")
	m.putWithChecksums(t, "com/example/gen/3.0-SNAPSHOT/gen-3.0-"+ts+"-1.jar", snapJar)
	m.putWithChecksums(t, "com/example/gen/3.0-SNAPSHOT/gen-3.0-"+ts+"-1.pom", mvnPom("com.example", "gen", "3.0-SNAPSHOT"))
	m.putWithChecksums(t, "com/example/gen/3.0-SNAPSHOT/maven-metadata.xml", mvnSnapshotMetadata("com.example", "gen", "3.0-SNAPSHOT", ts, 1, "jar", "pom"))
	// An uploaded document in no order and with a wrong <latest>: what is
	// served is generated.
	uploaded := `<?xml version="1.0" encoding="UTF-8"?>
<metadata>
  <groupId>com.example</groupId>
  <artifactId>gen</artifactId>
  <versioning>
    <latest>1.9</latest>
    <release>1.9</release>
    <versions>
      <version>2.0</version>
      <version>1.10</version>
      <version>1.0</version>
      <version>3.0-SNAPSHOT</version>
      <version>1.9</version>
    </versions>
    <lastUpdated>20261201101010</lastUpdated>
  </versioning>
</metadata>
`
	m.putWithChecksums(t, "com/example/gen/maven-metadata.xml", []byte(uploaded))

	expect := func(t *testing.T, step string, versions []string, latest, release string) {
		t.Helper()
		resp, doc := m.get(t, "com/example/gen/maven-metadata.xml")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: GET maven-metadata.xml: %d %s", step, resp.StatusCode, doc)
		}
		gv, gl, gr := mvnMetadataVersions(doc)
		if strings.Join(gv, ",") != strings.Join(versions, ",") || gl != latest || gr != release {
			t.Errorf("%s: versions %v latest %q release %q; want %v latest %q release %q\n%s", step, gv, gl, gr, versions, latest, release, doc)
		}
		if !bytes.Contains(doc, []byte("<groupId>com.example</groupId>")) || !bytes.Contains(doc, []byte("<artifactId>gen</artifactId>")) {
			t.Errorf("%s: the document does not name com.example:gen:\n%s", step, doc)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "xml") {
			t.Errorf("%s: Content-Type %q", step, ct)
		}
		// Its checksum is the hash of what was served.
		if resp, sum := m.get(t, "com/example/gen/maven-metadata.xml.sha1"); string(sum) != mvnSHA1(doc) {
			t.Errorf("%s: maven-metadata.xml.sha1 = %d %q, want %q", step, resp.StatusCode, sum, mvnSHA1(doc))
		}
	}
	status := func(t *testing.T, target types.PackageVersionStatus, versions ...string) {
		t.Helper()
		d, r, f, ns, p := m.coords("com.example", "gen")
		out, err := m.c.UpdatePackageVersionsStatus(ctx, &codeartifact.UpdatePackageVersionsStatusInput{Domain: d, Repository: r, Format: f, Namespace: ns, Package: p, Versions: versions, TargetStatus: target})
		if err != nil || len(out.FailedVersions) != 0 {
			t.Fatalf("UpdatePackageVersionsStatus %s %v: %v %+v", target, versions, err, out)
		}
	}
	jarStatus := func(t *testing.T, v string, want int) {
		t.Helper()
		if resp, _ := m.get(t, "com/example/gen/"+v+"/gen-"+v+".jar"); resp.StatusCode != want {
			t.Errorf("GET the jar of %s: %d, want %d", v, resp.StatusCode, want)
		}
	}

	expect(t, "published", []string{"1.0", "1.9", "1.10", "2.0", "3.0-SNAPSHOT"}, "3.0-SNAPSHOT", "2.0")

	resp, doc := m.get(t, "com/example/gen/3.0-SNAPSHOT/maven-metadata.xml")
	if resp.StatusCode != http.StatusOK || !bytes.Contains(doc, []byte("<timestamp>"+ts+"</timestamp>")) || !bytes.Contains(doc, []byte("<buildNumber>1</buildNumber>")) ||
		mvnSnapshotValue(doc, "jar") != "3.0-"+ts+"-1" || mvnSnapshotValue(doc, "pom") != "3.0-"+ts+"-1" || !bytes.Contains(doc, []byte("<version>3.0-SNAPSHOT</version>")) {
		t.Errorf("version-level metadata: %d\n%s", resp.StatusCode, doc)
	}
	if resp, sum := m.get(t, "com/example/gen/3.0-SNAPSHOT/maven-metadata.xml.sha1"); string(sum) != mvnSHA1(doc) {
		t.Errorf("version-level maven-metadata.xml.sha1 = %d %q, want %q", resp.StatusCode, sum, mvnSHA1(doc))
	}
	if resp, body := m.get(t, "com/example/gen/3.0-SNAPSHOT/gen-3.0-"+ts+"-1.jar"); resp.StatusCode != http.StatusOK || !bytes.Equal(body, snapJar) {
		t.Errorf("GET the SNAPSHOT build's jar: %d", resp.StatusCode)
	}

	status(t, types.PackageVersionStatusArchived, "2.0")
	expect(t, "2.0 archived", []string{"1.0", "1.9", "1.10", "3.0-SNAPSHOT"}, "3.0-SNAPSHOT", "1.10")
	jarStatus(t, "2.0", http.StatusNotFound)

	status(t, types.PackageVersionStatusUnlisted, "1.10")
	expect(t, "1.10 unlisted", []string{"1.0", "1.9", "3.0-SNAPSHOT"}, "3.0-SNAPSHOT", "1.9")
	jarStatus(t, "1.10", http.StatusOK)

	d, r, f, ns, p := m.coords("com.example", "gen")
	if out, err := m.c.DisposePackageVersions(ctx, &codeartifact.DisposePackageVersionsInput{Domain: d, Repository: r, Format: f, Namespace: ns, Package: p, Versions: []string{"1.9"}}); err != nil || len(out.FailedVersions) != 0 {
		t.Fatalf("DisposePackageVersions 1.9: %v %+v", err, out)
	}
	expect(t, "1.9 disposed", []string{"1.0", "3.0-SNAPSHOT"}, "3.0-SNAPSHOT", "1.0")
	jarStatus(t, "1.9", http.StatusNotFound)

	if out, err := m.c.DeletePackageVersions(ctx, &codeartifact.DeletePackageVersionsInput{Domain: d, Repository: r, Format: f, Namespace: ns, Package: p, Versions: []string{"3.0-SNAPSHOT"}}); err != nil || len(out.FailedVersions) != 0 {
		t.Fatalf("DeletePackageVersions 3.0-SNAPSHOT: %v %+v", err, out)
	}
	expect(t, "3.0-SNAPSHOT deleted", []string{"1.0"}, "1.0", "1.0")
	if resp, _ := m.get(t, "com/example/gen/3.0-SNAPSHOT/gen-3.0-"+ts+"-1.jar"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET the deleted SNAPSHOT's jar: %d, want 404", resp.StatusCode)
	}
	if resp, _ := m.get(t, "com/example/gen/3.0-SNAPSHOT/maven-metadata.xml"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET the deleted SNAPSHOT's version-level metadata: %d, want 404", resp.StatusCode)
	}

	status(t, types.PackageVersionStatusPublished, "2.0", "1.10")
	expect(t, "2.0 and 1.10 published again", []string{"1.0", "1.10", "2.0"}, "2.0", "2.0")
	jarStatus(t, "2.0", http.StatusOK)
}

// TestMavenConditionalAndHead: files and generated metadata carry an ETag
// that If-None-Match answers with 304; HEAD gives the headers and no body;
// the metadata's ETag changes with its content.
func TestMavenConditionalAndHead(t *testing.T) {
	t.Parallel()
	m := newMavenRepo(t)
	jar, _ := m.publishRaw(t, "cond", "1.0", "")
	for _, rel := range []string{"com/example/cond/1.0/cond-1.0.jar", "com/example/cond/maven-metadata.xml"} {
		resp, body := m.get(t, rel)
		etag := resp.Header.Get("ETag")
		if resp.StatusCode != http.StatusOK || etag == "" {
			t.Errorf("GET %s: %d, ETag %q", rel, resp.StatusCode, etag)
			continue
		}
		if strings.HasSuffix(rel, ".jar") && !bytes.Equal(body, jar) {
			t.Errorf("GET %s: other bytes", rel)
		}
		if strings.HasSuffix(rel, "maven-metadata.xml") && resp.Header.Get("Last-Modified") == "" {
			t.Errorf("GET %s: no Last-Modified", rel)
		}
		if resp, b := m.get(t, rel, "If-None-Match", etag); resp.StatusCode != http.StatusNotModified || len(b) != 0 {
			t.Errorf("GET %s If-None-Match %s: %d with %d bytes, want 304 and no body", rel, etag, resp.StatusCode, len(b))
		}
		if resp, b := m.get(t, rel, "If-None-Match", `"something-else"`); resp.StatusCode != http.StatusOK || !bytes.Equal(b, body) {
			t.Errorf("GET %s If-None-Match another tag: %d, want 200 with the body", rel, resp.StatusCode)
		}
		resp, b := m.request(t, http.MethodHead, rel, nil, mvnBasic)
		if resp.StatusCode != http.StatusOK || len(b) != 0 || resp.Header.Get("ETag") != etag || resp.ContentLength != int64(len(body)) {
			t.Errorf("HEAD %s: %d, %d body bytes, ETag %q (GET's %q), Content-Length %d (GET's body %d)", rel, resp.StatusCode, len(b), resp.Header.Get("ETag"), etag, resp.ContentLength, len(body))
		}
	}
	if resp, b := m.request(t, http.MethodHead, "com/example/cond/1.0/cond-1.0-missing.jar", nil, mvnBasic); resp.StatusCode != http.StatusNotFound || len(b) != 0 {
		t.Errorf("HEAD of a missing file: %d, %d bytes", resp.StatusCode, len(b))
	}

	resp, _ := m.get(t, "com/example/cond/maven-metadata.xml")
	old := resp.Header.Get("ETag")
	m.publishRaw(t, "cond", "1.1", "")
	resp, doc := m.get(t, "com/example/cond/maven-metadata.xml", "If-None-Match", old)
	if vs, _, _ := mvnMetadataVersions(doc); resp.StatusCode != http.StatusOK || strings.Join(vs, ",") != "1.0,1.1" || resp.Header.Get("ETag") == old {
		t.Errorf("GET metadata If-None-Match the old ETag after publishing 1.1: %d, ETag %q (old %q), versions %v", resp.StatusCode, resp.Header.Get("ETag"), old, vs)
	}
}

// TestMavenPathValidation: PUTs of paths outside Maven's layout or
// grammar are refused with 400 and create nothing.
func TestMavenPathValidation(t *testing.T) {
	t.Parallel()
	m := newMavenRepo(t)
	jar := mvnJar(t, "paths")
	cases := []struct{ name, rel string }{
		{"dot-dot segment", "com/example/../lib/1.0/lib-1.0.jar"},
		{"dot-dot before the file", "com/example/lib/1.0/../1.0/lib-1.0.jar"},
		{"dot-dot out of the repository", "../mvn/com/example/lib/1.0/lib-1.0.jar"},
		{"dot segment", "com/./example/lib/1.0/lib-1.0.jar"},
		{"dot segment before the file", "com/example/lib/1.0/./lib-1.0.jar"},
		{"encoded dot-dot", "com/example/%2e%2e/lib/1.0/lib-1.0.jar"},
		{"encoded slash in the group", "com%2Fexample/lib/1.0/lib-1.0.jar"},
		{"encoded slash in the file name", "com/example/lib/1.0/lib-1.0%2Flib-1.0.jar"},
		{"encoded slash in the version", "com/example/lib/1.0%2F2/lib-1.0%2F2.jar"},
		{"encoded backslash in the group", "com%5Cexample/lib/1.0/lib-1.0.jar"},
		{"encoded backslash in the file name", "com/example/lib/1.0/..%5Clib-1.0.jar"},
		{"empty segment", "com//example/lib/1.0/lib-1.0.jar"},
		{"empty segment before the file", "com/example/lib/1.0//lib-1.0.jar"},
		{"trailing slash", "com/example/lib/1.0/lib-1.0.jar/"},
		{"NUL at the end", "com/example/lib/1.0/lib-1.0.jar%00"},
		{"NUL inside", "com/example/lib/1.0/lib-1.0%00.jar"},
		{"newline", "com/example/lib/1.0/lib-1.0%0A.jar"},
		{"non-ASCII group", "com/ex%C3%A4mple/lib/1.0/lib-1.0.jar"},
		{"non-ASCII artifact", "com/example/l%C3%AFb/1.0/l%C3%AFb-1.0.jar"},
		{"artifactId outside the grammar", "com/example/li%3Cb/1.0/li%3Cb-1.0.jar"},
		{"file of another artifact", "com/example/lib/1.0/other-1.0.jar"},
		{"file of another version", "com/example/lib/1.0/lib-2.0.jar"},
		{"file without the version", "com/example/lib/1.0/lib.jar"},
		{"SNAPSHOT build of another version", "com/example/lib/1.0-SNAPSHOT/lib-2.0-20261201.101010-1.jar"},
		{"no groupId", "lib/1.0/lib-1.0.jar"},
	}
	for _, c := range cases {
		resp, body := m.put(t, c.rel, jar)
		if resp.StatusCode != http.StatusBadRequest || len(bytes.TrimSpace(body)) == 0 {
			t.Errorf("%s: PUT %s: %d %q, want 400 with a message", c.name, c.rel, resp.StatusCode, body)
		}
	}
	if got := m.packages(t); len(got) != 0 {
		t.Errorf("refused PUTs created packages: %v", got)
	}
	// The same file under its proper path is taken.
	m.mustPut(t, "com/example/lib/1.0/lib-1.0.jar", jar)
	if got := m.packages(t); strings.Join(got, " ") != "maven:com.example:lib" {
		t.Errorf("ListPackages after a well-formed PUT = %v", got)
	}
}

// TestMavenReleaseReplace: a release file takes the same bytes again but
// not other bytes (409, nothing changed), Published or not.
func TestMavenReleaseReplace(t *testing.T) {
	t.Parallel()
	m := newMavenRepo(t)
	jar, pom := m.publishRaw(t, "rel", "1.0", "")
	rel := "com/example/rel/1.0/rel-1.0.jar"
	m.mustPut(t, rel, jar)
	m.mustPut(t, rel+".sha1", []byte(mvnSHA1(jar)))
	if resp, body := m.put(t, rel, mvnJar(t, "other bytes")); resp.StatusCode != http.StatusConflict || len(bytes.TrimSpace(body)) == 0 {
		t.Errorf("PUT other bytes over a Published release jar: %d %q, want 409 with a message", resp.StatusCode, body)
	}
	if resp, body := m.put(t, "com/example/rel/1.0/rel-1.0.pom", append(mvnPom("com.example", "rel", "1.0"), "<!-- changed -->\n"...)); resp.StatusCode != http.StatusConflict {
		t.Errorf("PUT another POM over a Published release POM: %d %q, want 409", resp.StatusCode, body)
	}
	m.expectAssets(t, "com.example", "rel", "1.0", map[string][]byte{"rel-1.0.jar": jar, "rel-1.0.pom": pom})
	if resp, body := m.get(t, rel); resp.StatusCode != http.StatusOK || !bytes.Equal(body, jar) {
		t.Errorf("GET after the refused replacement: %d, equal %v", resp.StatusCode, bytes.Equal(body, jar))
	}
	if got := m.versions(t, "com.example", "rel"); len(got) != 1 || got["1.0"] != types.PackageVersionStatusPublished {
		t.Errorf("ListPackageVersions = %v", got)
	}

	// The same holds for a version that is still Unfinished.
	first := mvnJar(t, "first")
	m.mustPut(t, "com/example/rel/2.0/rel-2.0.jar", first)
	if resp, body := m.put(t, "com/example/rel/2.0/rel-2.0.jar", mvnJar(t, "second")); resp.StatusCode != http.StatusConflict {
		t.Errorf("PUT other bytes over an Unfinished release jar: %d %q, want 409", resp.StatusCode, body)
	}
	m.expectAssets(t, "com.example", "rel", "2.0", map[string][]byte{"rel-2.0.jar": first})
}
