package conformance

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
)

// TestNugetAuthorization: a token of a user who may only read the
// repository (ReadFromRepository) restores but cannot push
// (PublishPackageVersion, guide §7.4 "NuGet: PublishPackageVersion plus
// ReadFromRepository") nor unlist or relist (UpdatePackageVersionsStatus):
// 403, and nothing changes. With those actions granted, it can.
func TestNugetAuthorization(t *testing.T) {
	t.Parallel()
	e := azStart(t, []string{"nu"})
	admin := nugetRepoOf(t, e.s, e.c, e.domain, "nu")
	res := admin.serviceIndex(t)
	publish := res["PackagePublish/2.0.0"]
	admin.mustPush(t, publish, nugetPkg{ID: "Guarded", Version: "1.0.0"})

	reader := e.createUser(t, e.admin, "reader", e.readPolicy("nu"))
	tok, err := e.ca(reader).GetAuthorizationToken(context.Background(), &codeartifact.GetAuthorizationTokenInput{Domain: aws.String(e.domain)})
	if err != nil {
		t.Fatal(err)
	}
	r := *admin
	r.token = aws.ToString(tok.AuthorizationToken)

	var vl struct{ Versions []string }
	r.getJSON(t, res["PackageBaseAddress/3.0.0"]+"guarded/index.json", http.StatusOK, &vl)
	if resp, body := r.push(t, publish, nugetPkg{ID: "Guarded", Version: "2.0.0"}.nupkg(t), nugetAPIKey); resp.StatusCode != http.StatusForbidden {
		t.Errorf("push by a reader: %d %s, want 403", resp.StatusCode, body)
	}
	for _, m := range []string{http.MethodDelete, http.MethodPost} {
		if resp, body := r.do(t, m, publish+"guarded/1.0.0", nil, nugetAPIKey, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s by a reader: %d %s, want 403", m, resp.StatusCode, body)
		}
	}
	r.getJSON(t, res["PackageBaseAddress/3.0.0"]+"guarded/index.json", http.StatusOK, &vl)
	var idx regIndex
	r.getJSON(t, res["RegistrationsBaseUrl"]+"guarded/index.json", http.StatusOK, &idx)
	if e := idx.entries(t); len(vl.Versions) != 1 || len(e) != 1 || e[0].Listed == nil || !*e[0].Listed {
		t.Errorf("after the refused writes: versions %v, entries %+v", vl.Versions, e)
	}

	e.putUserPolicy(t, e.admin, "reader", "write", azPolicy(
		azAllow("arn:aws:codeartifact:"+e.s.Region+":"+e.s.Account+":package/"+e.domain+"/nu/nuget//guarded", "codeartifact:PublishPackageVersion", "codeartifact:UpdatePackageVersionsStatus")))
	if resp, body := r.do(t, http.MethodDelete, publish+"guarded/1.0.0", nil, nugetAPIKey, nil); resp.StatusCode != http.StatusNoContent {
		t.Errorf("DELETE once granted: %d %s", resp.StatusCode, body)
	}
	if resp, body := r.push(t, publish, nugetPkg{ID: "Guarded", Version: "2.0.0"}.nupkg(t), nugetAPIKey); resp.StatusCode != http.StatusCreated {
		t.Errorf("push once granted: %d %s", resp.StatusCode, body)
	}
}
