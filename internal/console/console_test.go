package console

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

func TestSignIn(t *testing.T) {
	r := newRig(t, false)
	b := r.browser(t)
	// Signed out, a page sends the browser to the sign-in form.
	if p := b.get("/console/domains"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/console/signin" {
		t.Fatalf("signed out: %d %s", p.status, p.header.Get("Location"))
	}
	must(t, b.get("/console/signin"), http.StatusOK, `name="access_key_id"`, `name="token"`)
	for _, bad := range [][2]string{{r.root.AccessKeyID, "wrong"}, {"AKIANOSUCHKEY0000000", rootSecret}, {r.root.AccessKeyID, ""}} {
		p := b.signIn(bad[0], bad[1])
		must(t, p, http.StatusUnauthorized, "were not accepted")
		if c := p.header.Get("Set-Cookie"); c != "" {
			t.Errorf("a failed sign-in set a cookie: %s", c)
		}
	}
	p := b.signIn(r.root.AccessKeyID, rootSecret)
	if p.status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %s", p.status, p.body)
	}
	ck := p.header.Get("Set-Cookie")
	for _, want := range []string{cookieName + "=", "HttpOnly", "SameSite=Strict", "Path=/console/"} {
		if !strings.Contains(ck, want) {
			t.Errorf("cookie %q lacks %s", ck, want)
		}
	}
	if strings.Contains(ck, "Secure") {
		t.Errorf("a cookie over plain HTTP is Secure (the browser would drop it): %s", ck)
	}
	if strings.Contains(ck, rootSecret) || strings.Contains(ck, r.root.AccessKeyID) {
		t.Errorf("the cookie shows the key: %s", ck)
	}
	must(t, b.get("/console/domains"), http.StatusOK, "acme", "arn:aws:iam::"+"000000000000"+":root")

	// A tampered cookie is no session.
	u, _ := url.Parse(r.srv.URL + "/console/")
	cs := b.c.Jar.Cookies(u)
	v := []byte(cs[0].Value)
	v[len(v)/2] ^= 1
	cs[0].Value = string(v)
	cs[0].Path = "/console/"
	b.c.Jar.SetCookies(u, cs)
	if p := b.get("/console/domains"); p.status != http.StatusSeeOther {
		t.Errorf("a tampered cookie was accepted: %d", p.status)
	}

	// Sign-out clears the cookie.
	b2 := r.browser(t)
	b2.signIn(r.root.AccessKeyID, rootSecret)
	p = b2.post("/console/signout", url.Values{})
	if p.status != http.StatusSeeOther || !strings.Contains(p.header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("sign-out: %d %q", p.status, p.header.Get("Set-Cookie"))
	}
	if p := b2.get("/console/domains"); p.status != http.StatusSeeOther {
		t.Errorf("signed out, the domains page answered %d", p.status)
	}
}

func TestSecureCookieOverTLS(t *testing.T) {
	r := newRig(t, true)
	p := r.browser(t).signIn(r.root.AccessKeyID, rootSecret)
	if ck := p.header.Get("Set-Cookie"); !strings.Contains(ck, "; Secure") {
		t.Errorf("over TLS the cookie is not Secure: %s", ck)
	}
}

func TestSignInWithToken(t *testing.T) {
	r := newRig(t, false)
	tok, _, err := r.env.Svc.GetAuthorizationToken(context.Background(), r.admin(t), "acme", "", 3600)
	if err != nil {
		t.Fatal(err)
	}
	b := r.browser(t)
	p := b.do("POST", "/console/signin", url.Values{"token": {tok}}, nil)
	if p.status != http.StatusSeeOther {
		t.Fatalf("token sign-in: %d %s", p.status, p.body)
	}
	must(t, b.get("/console/domains"), http.StatusOK, "acme", "token for domain acme")
	must(t, b.get("/console/repository?d=acme&r=repo"), http.StatusOK, "aws codeartifact login --tool npm")
	// A token speaks for its own domain only.
	must(t, b.get("/console/domain?d=other"), http.StatusForbidden, "AccessDeniedException")
	if p := r.browser(t).do("POST", "/console/signin", url.Values{"token": {tok + "x"}}, nil); p.status != http.StatusUnauthorized {
		t.Errorf("a bad token signed in: %d", p.status)
	}
}

func TestRevokedKeyEndsSession(t *testing.T) {
	r := newRig(t, false)
	id, secret := r.user(t, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"codeartifact:*","Resource":"*"}]}`)
	b := r.browser(t)
	if p := b.signIn(id, secret); p.status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %s", p.status, p.body)
	}
	must(t, b.get("/console/domains"), http.StatusOK, "acme", "user/alice")
	admin, _ := r.ids.Credential(context.Background(), r.root.AccessKeyID, "")
	if err := r.ids.UpdateAccessKey(context.Background(), admin, "alice", id, domain.KeyInactive); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/console/domains"); p.status != http.StatusSeeOther || !strings.Contains(p.header.Get("Location"), "ended") {
		t.Errorf("a deactivated key's session still works: %d %s", p.status, p.header.Get("Location"))
	}
}

func TestCSRFAndOrigin(t *testing.T) {
	r := newRig(t, false)
	r.publish(t, "left", "1.0.0", "d", "r")
	b := r.browser(t)
	b.signIn(r.root.AccessKeyID, rootSecret)
	form := func() url.Values {
		v := pkgLoc("left").values()
		v.Set("op", "Archived")
		v.Set("version", "1.0.0")
		return v
	}
	// No token, a wrong token, another session's token.
	other := r.browser(t)
	other.signIn(r.root.AccessKeyID, rootSecret)
	for name, tok := range map[string]string{"none": "", "wrong": "x" + b.csrf, "another session's": other.csrf} {
		f := form()
		if tok != "" {
			f.Set("csrf", tok)
		}
		p := b.do("POST", "/console/package/versions", f, map[string]string{"Origin": r.srv.URL})
		if p.status != http.StatusForbidden || !strings.Contains(p.body, "CSRF") {
			t.Errorf("CSRF token %s: %d", name, p.status)
		}
	}
	// The right token from another origin.
	for _, hdr := range []map[string]string{{"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}} {
		f := form()
		f.Set("csrf", b.csrf)
		must(t, b.do("POST", "/console/package/versions", f, hdr), http.StatusForbidden, "cross-origin")
	}
	// Sign-in from another origin.
	must(t, r.browser(t).do("POST", "/console/signin", url.Values{"access_key_id": {r.root.AccessKeyID}, "secret_access_key": {rootSecret}},
		map[string]string{"Origin": "http://evil.example"}), http.StatusForbidden, "cross-origin")
	// Nothing changed.
	vi, err := r.env.Svc.DescribePackageVersion(context.Background(), r.admin(t), pkgLoc("left").ref(), "1.0.0")
	if err != nil || vi.Version.Status != domain.StatusPublished {
		t.Fatalf("after refused posts: %v %v", vi.Version.Status, err)
	}
	// And with the token, from this origin, it runs.
	must(t, b.post("/console/package/versions", form()), http.StatusOK, "Archived")
}

func TestSecurityHeaders(t *testing.T) {
	r := newRig(t, false)
	b := r.browser(t)
	for _, path := range []string{"/console/signin", "/console/nope", "/console/static/console.css"} {
		p := b.get(path)
		csp := p.header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %s", path, csp, want)
			}
		}
		if p.header.Get("X-Content-Type-Options") != "nosniff" || p.header.Get("Referrer-Policy") != "same-origin" {
			t.Errorf("%s: headers %v", path, p.header)
		}
	}
	if p := b.get("/console/nope"); p.status != http.StatusNotFound {
		t.Errorf("an unknown page: %d", p.status)
	}
}

func TestPackageTextIsEscaped(t *testing.T) {
	r := newRig(t, false)
	evil := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	r.publish(t, "evil", "1.0.0", "desc "+evil, "# Readme\n"+evil)
	b := r.browser(t)
	b.signIn(r.root.AccessKeyID, rootSecret)
	for _, path := range []string{pkgLoc("evil").PackageLink(), pkgLoc("evil").WithVersion("1.0.0").VersionLink()} {
		p := b.get(path)
		must(t, p, http.StatusOK, html.EscapeString("<script>alert("))
		if strings.Contains(p.body, "<script>alert") || strings.Contains(p.body, "<img src=x") {
			t.Errorf("%s: package text rendered as markup:\n%s", path, p.body)
		}
		// The only script is the console's own.
		if n := strings.Count(p.body, "<script"); n != 1 {
			t.Errorf("%s: %d script elements", path, n)
		}
	}
	must(t, b.get(pkgLoc("evil").WithVersion("1.0.0").VersionLink()), http.StatusOK, "desc &lt;script&gt;")
}

func TestAccessDeniedIsShown(t *testing.T) {
	r := newRig(t, false)
	r.publish(t, "left", "1.0.0", "d", "r")
	id, secret := r.user(t, "nobody", "")
	b := r.browser(t)
	if p := b.signIn(id, secret); p.status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %s", p.status, p.body)
	}
	must(t, b.get("/console/domains"), http.StatusForbidden, "AccessDeniedException", "user/nobody", "codeartifact:ListDomains")
	must(t, b.get(pkgLoc("left").PackageLink()), http.StatusForbidden, "AccessDeniedException", "codeartifact:DescribePackage")
	f := pkgLoc("left").values()
	f.Set("op", "delete")
	f.Set("version", "1.0.0")
	f.Set("confirm", "yes")
	must(t, b.post("/console/package/versions", f), http.StatusForbidden, "AccessDeniedException", "codeartifact:DeletePackageVersions")
	if _, err := r.env.Svc.DescribePackageVersion(context.Background(), r.admin(t), pkgLoc("left").ref(), "1.0.0"); err != nil {
		t.Fatalf("a denied delete deleted: %v", err)
	}
	// A reader may read but not change.
	id, secret = r.user(t, "reader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["codeartifact:Describe*","codeartifact:List*","codeartifact:Get*"],"Resource":"*"}]}`)
	b = r.browser(t)
	b.signIn(id, secret)
	must(t, b.get(pkgLoc("left").PackageLink()), http.StatusOK, "1.0.0")
	f.Set("op", "Archived")
	must(t, b.post("/console/package/versions", f), http.StatusForbidden, "AccessDeniedException", "codeartifact:UpdatePackageVersionsStatus")
}

func TestStatusChangeAndDelete(t *testing.T) {
	r := newRig(t, false)
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0", "2.0.0"} {
		r.publish(t, "lib", v, "a library", "# lib "+v)
	}
	b := r.browser(t)
	b.signIn(r.root.AccessKeyID, rootSecret)
	must(t, b.get(pkgLoc("lib").PackageLink()), http.StatusOK, "1.0.0", "2.0.0", "left-pad", "# lib 2.0.0", "Published")
	ctx, admin, ref := context.Background(), r.admin(t), pkgLoc("lib").ref()
	status := func(v string) domain.Status {
		vi, err := r.env.Svc.DescribePackageVersion(ctx, admin, ref, v)
		if err != nil {
			return "gone"
		}
		return vi.Version.Status
	}
	f := pkgLoc("lib").values()
	f["version"] = []string{"1.0.0", "1.1.0"}
	f.Set("op", "Archived")
	p := b.post("/console/package/versions", f)
	must(t, p, http.StatusOK, `id="successful"`, "1.0.0", "1.1.0")
	if status("1.0.0") != domain.StatusArchived || status("1.1.0") != domain.StatusArchived || status("1.2.0") != domain.StatusPublished {
		t.Fatalf("after archive: %s %s %s", status("1.0.0"), status("1.1.0"), status("1.2.0"))
	}
	// Delete asks first, naming exactly what goes.
	f = pkgLoc("lib").values()
	f["version"] = []string{"1.2.0"}
	f.Set("op", "delete")
	p = b.post("/console/package/versions", f)
	must(t, p, http.StatusOK, `id="confirm-list"`, "1.2.0", "Delete 1 version")
	if list := regexp.MustCompile(`(?s)<tbody>.*?</tbody>`).FindString(p.body); strings.Contains(list, "1.0.0") || strings.Contains(list, "2.0.0") {
		t.Errorf("the confirmation names other versions: %s", list)
	}
	if status("1.2.0") != domain.StatusPublished {
		t.Fatal("deleted before confirmation")
	}
	f.Set("confirm", "yes")
	must(t, b.post("/console/package/versions", f), http.StatusOK, `id="successful"`, "1.2.0", "Deleted")
	if status("1.2.0") != "gone" {
		t.Fatalf("1.2.0 after delete: %s", status("1.2.0"))
	}
	// Dispose with a version that does not exist: per-version results.
	f = pkgLoc("lib").values()
	f["version"] = []string{"2.0.0", "9.9.9"}
	f.Set("op", "dispose")
	f.Set("confirm", "yes")
	p = b.post("/console/package/versions", f)
	must(t, p, http.StatusOK, `id="failed"`, "9.9.9", service.CodeNotFound)
	// Origin controls.
	f = pkgLoc("lib").values()
	f.Set("publish", "BLOCK")
	f.Set("upstream", "ALLOW")
	if p := b.post("/console/package/origin", f); p.status != http.StatusSeeOther {
		t.Fatalf("origin: %d %s", p.status, p.body)
	}
	info, err := r.env.Svc.DescribePackage(ctx, admin, ref)
	if err != nil || info.Package.Origin.Publish != domain.AllowBlock {
		t.Fatalf("origin after the form: %+v %v", info.Package.Origin, err)
	}
	// An invalid status is a readable validation error.
	f = pkgLoc("lib").values()
	f.Set("op", "Deleted")
	f.Set("version", "2.0.0")
	must(t, b.post("/console/package/versions", f), http.StatusBadRequest, "ValidationException")
}

func TestVersionPageAndDownload(t *testing.T) {
	r := newRig(t, false)
	r.publish(t, "dl", "1.0.0", "d", "r")
	b := r.browser(t)
	b.signIn(r.root.AccessKeyID, rootSecret)
	l := pkgLoc("dl").WithVersion("1.0.0")
	p := b.get(l.VersionLink())
	must(t, p, http.StatusOK, "package.tgz", "SHA-256", "left-pad")
	link := html.UnescapeString(regexp.MustCompile(`href="(/console/download[^"]+)"`).FindStringSubmatch(p.body)[1])
	d := b.get(link)
	if d.status != http.StatusOK || !strings.HasPrefix(d.header.Get("Content-Disposition"), `attachment; filename="package.tgz"`) ||
		d.header.Get("Content-Type") != "application/octet-stream" || len(d.body) < 20 {
		t.Fatalf("download: %d %v %d bytes", d.status, d.header, len(d.body))
	}
	for name, want := range map[string]string{
		`../x"; evil.tgz`: `attachment; filename="x___evil.tgz"; filename*=UTF-8''x%22%3B%20evil.tgz`,
		"..":              `attachment; filename="download"; filename*=UTF-8''..`,
		"a/b/ünï.whl":     `attachment; filename="_n_.whl"; filename*=UTF-8''%C3%BCn%C3%AF.whl`,
	} {
		if got := contentDisposition(name); !strings.HasPrefix(got, want) && got != want {
			t.Errorf("contentDisposition(%q) = %s, want %s", name, got, want)
		}
	}
}

func TestSearchPaging(t *testing.T) {
	r := newRig(t, false)
	ctx, admin := context.Background(), r.admin(t)
	if _, err := r.env.Svc.CreateRepository(ctx, admin, "acme", "", "second", "", nil, nil); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	publish := func(repo, name string) {
		ref := service.PackageRef{Domain: "acme", Repository: repo, Format: domain.FormatGeneric, Namespace: "ns", Package: name}
		if _, err := r.env.Svc.PublishPackageVersion(ctx, admin, ref, "1.0", service.NewAsset{Name: "f.bin", Content: strings.NewReader(name)}, false); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 40 {
		publish("repo", fmt.Sprintf("lib-%03d", i))
		want["repo/lib-"+fmt.Sprintf("%03d", i)] = true
		publish("repo", fmt.Sprintf("other-%03d", i))
	}
	for i := range 35 {
		publish("second", fmt.Sprintf("lib-%03d", i))
		want["second/lib-"+fmt.Sprintf("%03d", i)] = true
	}
	b := r.browser(t)
	b.signIn(r.root.AccessKeyID, rootSecret)
	rowRE := regexp.MustCompile(`<td><a href="[^"]*">ns/(lib-\d+)</a></td><td><span class="fmt">generic</span></td><td><a href="[^"]*">(\w+)</a>`)
	nextRE := regexp.MustCompile(`<a class="more" href="([^"]+)"`)
	got := map[string]bool{}
	path := "/console/search?d=acme&q=lib-&f=generic"
	pages := 0
	for path != "" {
		p := b.get(path)
		must(t, p, http.StatusOK)
		rows := rowRE.FindAllStringSubmatch(p.body, -1)
		if len(rows) > pageSize {
			t.Fatalf("page of %d rows", len(rows))
		}
		for _, m := range rows {
			k := m[2] + "/" + m[1]
			if got[k] {
				t.Fatalf("%s twice", k)
			}
			got[k] = true
		}
		path = ""
		if m := nextRE.FindStringSubmatch(p.body); m != nil {
			path = html.UnescapeString(m[1])
		}
		if pages++; pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	if len(got) != len(want) || pages != 2 {
		t.Fatalf("found %d of %d packages in %d pages", len(got), len(want), pages)
	}
	// A repository's own list pages with the service's token.
	p := b.get("/console/repository?d=acme&r=repo")
	must(t, p, http.StatusOK, `class="more"`)
	if n := strings.Count(p.body, `<span class="fmt">generic</span></td></tr>`); n != pageSize {
		t.Errorf("repository page shows %d packages", n)
	}
	// The status filter keeps packages with a version in that status.
	if _, err := r.env.Svc.UpdatePackageVersionsStatus(ctx, admin, service.PackageRef{Domain: "acme", Repository: "second",
		Format: domain.FormatGeneric, Namespace: "ns", Package: "lib-007"}, service.BatchInput{Versions: []string{"1.0"}}, domain.StatusArchived); err != nil {
		t.Fatal(err)
	}
	var found bool
	for path := "/console/search?d=acme&q=lib-&status=Archived"; path != "" && !found; {
		p := b.get(path)
		for _, m := range rowRE.FindAllStringSubmatch(p.body, -1) {
			if m[2] != "second" || m[1] != "lib-007" {
				t.Errorf("status filter let through %v", m)
			}
			found = true
		}
		path = ""
		if m := nextRE.FindStringSubmatch(p.body); m != nil {
			path = html.UnescapeString(m[1])
		}
	}
	if !found {
		t.Error("the archived package was not found")
	}
}

func TestRepositoryPage(t *testing.T) {
	r := newRig(t, false)
	ctx, admin := context.Background(), r.admin(t)
	if _, err := r.env.Svc.PutRetentionRule(ctx, admin, service.RetentionRuleInput{Domain: "acme", Repository: "repo",
		Format: domain.FormatNpm, PackagePrefix: "lib", KeepNewest: 3, Action: domain.RetentionArchive}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.env.Svc.PutRetentionRule(ctx, admin, service.RetentionRuleInput{Domain: "acme", Repository: "repo",
		PackageGroup: "/*", KeepDays: 30, KeepDownloadedDays: 60, Action: domain.RetentionDelete}); err != nil {
		t.Fatal(err)
	}
	b := r.browser(t)
	b.signIn(r.root.AccessKeyID, rootSecret)
	must(t, b.get("/console/repository?d=acme&r=repo"), http.StatusOK,
		"http://127.0.0.1:8700/npm/d/acme-000000000000/repo/",
		"aws codeartifact login --tool npm --domain acme --domain-owner 000000000000 --repository repo --endpoint-url http://127.0.0.1:8700",
		"artifactd login --tool cargo", "names starting with lib", "newest 3", "Archive",
		"package group /*", "published in the last 30 days; downloaded in the last 60 days", "Delete")
	// A user allowed to read the repository but not its rules sees the
	// rest of the page, and the refusal where the rules would be.
	id, secret := r.user(t, "reader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["codeartifact:DescribeRepository","codeartifact:ListPackages"],"Resource":"*"}]}`)
	b = r.browser(t)
	b.signIn(id, secret)
	p := b.get("/console/repository?d=acme&r=repo")
	must(t, p, http.StatusOK, "AccessDeniedException", "codeartifact:GetRepositoryEndpoint")
	if strings.Contains(p.body, "newest 3") {
		t.Error("a user without the retention permission sees the rules")
	}
	// The domains page keeps a way in for a user who may not list domains.
	must(t, b.get("/console/domains"), http.StatusForbidden, "AccessDeniedException", `action="/console/domain"`)
}

func TestLoggableKeyID(t *testing.T) {
	for in, want := range map[string]string{
		"AKIAIOSFODNN7EXAMPLE":                     "AKIAIOSFODNN7EXAMPLE",
		"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY": "(none)",
		"wJalrXUtnFEMI/K7MDENG":                    "(not an access key id)",
		"":                                         "(none)",
	} {
		if got := loggableKeyID(in); got != want {
			t.Errorf("loggableKeyID(%q) = %q, want %q", in, got, want)
		}
	}
}
